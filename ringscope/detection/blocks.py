"""Dense blocks in the account x (template, address) matrix: FRAUDAR with batch peeling.

A ring that shares nothing but a private prompt-template set and the exits of a big
residential-proxy pool leaves no identifier that many of its accounts share heavily:
each account sends a part of the set a few times, each exit carries a few ring
accounts among legitimate residents. What it does leave is a *block*: a set of
accounts and a set of rare columns (templates, addresses) far denser than chance.

We find blocks with FRAUDAR (Hooi, Song, Beutel, Shah, Shin, Faloutsos, "FRAUDAR:
Bounding Graph Fraud in the Face of Camouflage", KDD 2016): column j weighs
``1 / log(deg_j + 5)``, so popular columns (public templates, busy exits) count
little and camouflage edges to them cannot hide a block; the block maximises the
weighted average degree ``g(S) = f(S) / (|rows| + |cols|)`` with
``f(S) = sum of the weights of its edges``, found by greedy peeling. We peel in
batches, every node whose priority is at most ``(1 + eps)`` times the average,
as in Bahmani, Kumar and Vassilvitskii ("Densest Subgraph in Streaming and
MapReduce", VLDB 2012): a ``2(1 + eps)`` approximation in ``O(log n / eps)`` passes of
numpy over the edge list, instead of FRAUDAR's one-node-at-a-time priority tree.
As in FRAUDAR's multi-block use, a found block's edges are removed and the search
repeated.

A block is kept when it has at least `min_rows` accounts and 2 columns and its density
is at least `min_lift` (2) times the density of the whole matrix: peeling never
returns less than the whole matrix's density, and on random-like background the
densest block beats it by little (1.0-1.3 in our checks), while a ring's private
template set gives 3 and more. CopyCatch (Beutel et al., WWW 2013) and
SynchroTrap (Cao et al., CCS 2014) add *lockstep in time*; RingScope's time
constraint lives in the IP signal (accounts pair on an address only when their use
of it overlaps within a day), and the template columns carry no time, so blocks
here are purely structural.

Blocks propose account pairs to the link builder (family ``block``); the evidence
of a ring built on them is counted by the template and IP families themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .groups import AccountIndex, Group


@dataclass
class Block:
    rows: np.ndarray  # account indices
    cols: np.ndarray  # column indices (into the groups given)
    density: float  # g(S)
    lift: float  # g(S) / g(whole matrix)


def fraudar_weights(col_degree: np.ndarray) -> np.ndarray:
    """FRAUDAR's column weights, ``1 / log(degree + 5)``."""
    return 1.0 / np.log(np.asarray(col_degree, dtype=float) + 5.0)


def densest_block(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, n_rows: int, n_cols: int,
                  eps: float = 0.1) -> tuple[np.ndarray, np.ndarray, float]:
    """The (approximately) densest block of a weighted bipartite edge list: boolean
    masks over rows and columns and its density ``f / (|rows| + |cols|)``.

    Batch peeling: while nodes remain, remove every node whose priority (the weight
    of its remaining edges) is at most ``(1 + eps) * 2f / |S|``, remembering the best
    density seen. Each pass removes a constant share of the nodes, so there are
    ``O(log n / eps)`` passes."""
    alive_r = np.zeros(n_rows, bool)
    alive_c = np.zeros(n_cols, bool)
    alive_r[rows] = True
    alive_c[cols] = True
    best = (alive_r.copy(), alive_c.copy(), -1.0)
    while len(rows):
        size = int(alive_r.sum() + alive_c.sum())
        pr = np.bincount(rows, weights=weight, minlength=n_rows)
        pc = np.bincount(cols, weights=weight, minlength=n_cols)
        f = float(weight.sum())
        g = f / size
        if g > best[2]:
            best = (alive_r.copy(), alive_c.copy(), g)
        cut = (1.0 + eps) * 2.0 * f / size
        alive_r &= pr > cut
        alive_c &= pc > cut
        keep = alive_r[rows] & alive_c[cols]
        rows, cols, weight = rows[keep], cols[keep], weight[keep]
        # nodes left without edges are gone too
        alive_r[:] = False
        alive_c[:] = False
        alive_r[rows] = True
        alive_c[cols] = True
    r, c, g = best
    return r, c, max(g, 0.0)


def find_blocks(groups: Sequence[Group], n_accounts: int, *, min_rows: int = 3, min_lift: float = 2.0,
                max_blocks: int = 200, eps: float = 0.1) -> list[Block]:
    """Dense blocks of accounts x columns, one column per group (template or address).

    Columns are weighted by FRAUDAR's ``1 / log(deg + 5)`` with ``deg`` the column's
    account count in the whole graph (``meta['accounts']``, else its size). Blocks
    are extracted one after another (each one's edges removed) until one has fewer
    than `min_rows` accounts, fewer than 2 columns, or a density under `min_lift`
    times the whole matrix's, or `max_blocks` were found."""
    if not groups:
        return []
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    rows = np.concatenate([g.members for g in groups]).astype(np.int64)
    cols = np.repeat(np.arange(len(groups)), sizes)
    degree = np.array([int(g.meta.get("accounts") or g.size) for g in groups], dtype=float)
    weight = fraudar_weights(degree)[cols]
    n_cols = len(groups)
    base = float(weight.sum()) / max(1, len(np.unique(rows)) + n_cols)
    out: list[Block] = []
    live = np.ones(len(rows), bool)
    while len(out) < max_blocks and live.any():
        r_mask, c_mask, g = densest_block(rows[live], cols[live], weight[live], n_accounts, n_cols, eps)
        r_idx, c_idx = np.flatnonzero(r_mask), np.flatnonzero(c_mask)
        lift = g / base if base > 0 else 0.0
        if len(r_idx) < min_rows or len(c_idx) < 2 or lift < min_lift:
            break
        out.append(Block(r_idx, c_idx, g, lift))
        live &= ~(r_mask[rows] & c_mask[cols])
        # the block's accounts are taken: a second, smaller block of the same ring
        # would only repeat it
        live &= ~r_mask[rows]
    return out


def block_groups(groups: Sequence[Group], index: AccountIndex, **kwargs) -> list[Group]:
    """Dense blocks over the template and IP groups, as groups of family ``block``.

    Each block's pair weight is the rarity weight of its size scaled by nothing else:
    blocks *propose* pairs (so the template mix and shared exits of every pair inside
    get compared), they do not vouch for them."""
    from .groups import rarity_weight

    cols = [g for g in groups if g.family in ("template", "ip")]
    blocks = find_blocks(cols, len(index), **kwargs)
    out = []
    for k, b in enumerate(blocks):
        members = np.sort(b.rows)
        fams = sorted({cols[c].family for c in b.cols.tolist()})
        out.append(Group("block", f"block-{k + 1}", members, float(rarity_weight(len(members))),
                         meta={"accounts": int(len(members)), "columns": int(len(b.cols)), "families": fams,
                               "density": round(b.density, 3), "lift": round(b.lift, 2)}))
    return out
