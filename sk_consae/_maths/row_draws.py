"""Random draws that belong to row positions, not to chunks.

A criterion computed over X in chunks of bounded memory (scikit-learn's
``working_memory``) must not depend on where the chunks begin: its random draws for
row i must be the same whatever chunk row i falls in. :func:`draws_for_rows` gives each
fixed block of rows its own draws and cuts the rows asked for out of them.
"""

import torch

__all__ = ["BLOCK_ROWS", "draws_for_rows"]

# Each block of this many rows has draws of its own.
BLOCK_ROWS = 256


def draws_for_rows(start, stop, draw_block):
    """The draws of rows ``start`` to ``stop``: ``draw_block(block)`` gives block
    ``block``'s draws, a tensor with :data:`BLOCK_ROWS` rows along axis 1; the blocks
    that the rows touch are drawn, joined and cut."""
    first, last = start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS
    blocks = [draw_block(block) for block in range(first, last + 1)]
    offset = first * BLOCK_ROWS
    return torch.cat(blocks, 1)[:, start - offset : stop - offset]
