import numpy as np

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder
from sk_consae.experiments import (
    PAPER_TABLE2,
    conservative_recovery,
)


def test_algorithm_1_ranking_rises_with_beta_on_digits():
    result = conservative_recovery(
        n_field_samples=3000,
        autoencoder=UntiedAutoEncoder(64, max_epochs=30),
        extractor=ConservativeFieldExtractor(64, weight_tying="tied", max_epochs=30),
        random_state=0,
    )
    ranking = result.ranking
    assert result.betas.tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert ranking[-1] > 0.95
    assert np.all(np.diff(ranking) > -0.02) and ranking[-1] - ranking[0] > 0.2
    assert result.field_r2[-1] > 0.95  # a conservative field is recovered almost fully
    assert result.trained_ranking > 0.95
    assert result.paper == PAPER_TABLE2["tied"]
