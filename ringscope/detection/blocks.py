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
small batches (the lightest 5 % of the remaining nodes per pass), in the spirit of
Bahmani, Kumar and Vassilvitskii ("Densest Subgraph in Streaming and MapReduce",
VLDB 2012): ``O(log n / step)`` passes of numpy over the edge list instead of
FRAUDAR's one-node-at-a-time priority tree. (Bahmani's own rule, every node below
``(1 + eps)`` times the average, drops a block of uniform rows all at once when its
columns are heavier than its rows: the hub-and-spoke test showed it.)
As in FRAUDAR's multi-block use, a found block's edges are removed and the search
repeated.

Each search peels a *core*, not the whole matrix. Removing a node whose weighted
degree is at most the current density never lowers the density, so a block of
density ``g`` found by peeling lies inside the weighted ``g``-core (every node of
the core has weighted degree >= g inside it), and greedy peeling passes through
that core on its way down (the core-based pruning of densest-subgraph search:
Fang, Yu, Cheng, Lakshmanan, Lin, "Efficient Algorithms for Densest Subgraph
Discovery", VLDB 2019). We peel the ``c``-core for ``c`` on a ladder from high to
`min_density` and accept the first block whose density reaches its ``c``: on the
incident world (1M accounts, 10M edges) the ring blocks sit in cores of a third of
the edges, and only the last searches touch the whole matrix.

A block is kept when it has at least `min_rows` accounts, 2 columns and a density of
at least `MIN_DENSITY` (absolute, so that it does not depend on how much of the
world the rings are: relative to the whole matrix, a ring that is a third of a small
world barely stands out). Legitimate blocks (a class on its course templates) are
a class's block on its course templates, the densest sets of ordinary users on
mid-popular templates) are found too and passed over by *purity*: over the block's
columns, the median share of a column's accounts that are inside it (MIN_PURITY). Blocks only propose
pairs; the evidence rule judges the groups. CopyCatch (Beutel et al., WWW 2013) and
SynchroTrap (Cao et al., CCS 2014) add *lockstep in time*; RingScope's time
constraint lives in the IP signal (accounts pair on an address only when their use
of it overlaps within a day), and the template columns carry no time, so blocks
here are purely structural.

Blocks propose account pairs to the link builder (family ``block``); the evidence
of a ring built on them is counted by the template and IP families themselves.

*Private template sets* (`private_sets`, family ``private``) are the clean Louvain
communities of the blocks found over templates alone: one ring's set, where each
member sends a thin slice of it, apart from the other rings' sets and a class's
course templates in the same block.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .groups import AccountIndex, Group, component_labels, louvain_membership, merge_entangled


@dataclass
class Block:
    rows: np.ndarray  # account indices
    cols: np.ndarray  # column indices (into the groups given)
    density: float  # g(S)
    lift: float  # g(S) / g(whole matrix)
    purity: float  # median over its columns of the share of their accounts inside the block


def fraudar_weights(col_degree: np.ndarray) -> np.ndarray:
    """FRAUDAR's column weights, ``1 / log(degree + 5)``."""
    return 1.0 / np.log(np.asarray(col_degree, dtype=float) + 5.0)


def densest_block(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, n_rows: int, n_cols: int,
                  step: float = 0.05) -> tuple[np.ndarray, np.ndarray, float]:
    """The densest block greedy peeling finds in a weighted bipartite edge list:
    boolean masks over rows and columns and its density ``f / (|rows| + |cols|)``.

    FRAUDAR peels one node at a time, always the one whose remaining edges weigh
    least, and keeps the densest set seen. We peel the lightest `step` share of the
    remaining nodes per pass (at least one): the same order up to ties within a pass,
    in ``O(log n / step)`` vectorised passes instead of one heap update per edge."""
    # the passes work on local ids: a pass costs O(edges), not O(all accounts), so a
    # search in a small core of a million-account world is as cheap as its core
    r_ids_all, rows = _local_ids(rows, n_rows)
    c_ids_all, cols = _local_ids(cols, n_cols)
    r, c, g = _peel(rows, cols, weight, len(r_ids_all), len(c_ids_all), step)
    r_out = np.zeros(n_rows, bool)
    c_out = np.zeros(n_cols, bool)
    r_out[r_ids_all[r]] = True
    c_out[c_ids_all[c]] = True
    return r_out, c_out, g


def _local_ids(ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ids present, sorted; each entry's position among them), in O(len + n)."""
    present = np.zeros(n, bool)
    present[ids] = True
    distinct = np.flatnonzero(present)
    local = np.zeros(n, np.int64)
    local[distinct] = np.arange(len(distinct))
    return distinct, local[ids]


class _Incidence:
    """A bipartite edge list (dense local ids) with its rows' and columns' edges
    indexed, so that removing nodes costs the edges they had, not a pass over all
    edges: a greedy peel or a core costs O(edges + passes x nodes) in all."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, n_rows: int, n_cols: int) -> None:
        self.rows, self.cols, self.weight = rows, cols, weight
        self.n_rows, self.n_cols = n_rows, n_cols
        self.r_order = np.argsort(rows)  # any order within a node will do
        self.c_order = np.argsort(cols)
        self.r_ptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_rows))]
        self.c_ptr = np.r_[0, np.cumsum(np.bincount(cols, minlength=n_cols))]
        self.deg_r = np.bincount(rows, weights=weight, minlength=n_rows)
        self.deg_c = np.bincount(cols, weights=weight, minlength=n_cols)
        self.cnt_r = np.bincount(rows, minlength=n_rows)
        self.cnt_c = np.bincount(cols, minlength=n_cols)
        self.alive_r = self.cnt_r > 0
        self.alive_c = self.cnt_c > 0
        self.edge = np.ones(len(rows), bool)
        self.f = float(weight.sum())

    @staticmethod
    def _edges_of(order: np.ndarray | None, ptr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        """The edges of `nodes`: positions `ptr[v]..ptr[v+1]` of `order` (None: edges
        already sorted by node, the positions are the edges)."""
        starts = ptr[nodes]
        lens = ptr[nodes + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.empty(0, np.int64)
        at = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(total)
        return at if order is None else order[at]

    def remove(self, drop_r: np.ndarray, drop_c: np.ndarray) -> None:
        """Remove these rows and columns with their edges; nodes left without an edge go too."""
        self.alive_r[drop_r] = False
        self.alive_c[drop_c] = False
        e_r = self._edges_of(self.r_order, self.r_ptr, drop_r)
        e_r = e_r[self.edge[e_r]]
        self.edge[e_r] = False
        # an edge between a dropped row and a dropped column is gone already
        e_c = self._edges_of(self.c_order, self.c_ptr, drop_c)
        e_c = e_c[self.edge[e_c]]
        self.edge[e_c] = False
        e = np.concatenate([e_r, e_c])
        if not len(e):
            return
        er, ec, ew = self.rows[e], self.cols[e], self.weight[e]
        self.f -= float(ew.sum())
        _take(self.deg_r, self.cnt_r, self.alive_r, er, ew)
        _take(self.deg_c, self.cnt_c, self.alive_c, ec, ew)

    def core(self, c: float) -> None:
        """Remove every node whose remaining weight is under `c`, repeatedly: what
        is left is the weighted `c`-core (unique, whatever the order of removal)."""
        while True:
            # rounded: a degree kept by subtraction must not fall under c by a rounding error
            dr = np.flatnonzero(self.alive_r & (np.round(self.deg_r, 9) < c))
            dc = np.flatnonzero(self.alive_c & (np.round(self.deg_c, 9) < c))
            if not len(dr) and not len(dc):
                return
            self.remove(dr, dc)


def _take(deg: np.ndarray, cnt: np.ndarray, alive: np.ndarray, ids: np.ndarray, w: np.ndarray) -> None:
    """Subtract removed edges (their endpoints `ids`, weights `w`) from the degrees and
    counts, in place; a node left without an edge is no longer alive. A peeling pass
    removes few edges of a large core: then only their nodes are touched, with the
    same sums (bincount adds a node's weights in the same order either way), so the
    result is bit for bit the full pass's."""
    if len(ids) * 64 < len(deg):
        nodes, at = np.unique(ids, return_inverse=True)
        deg[nodes] -= np.bincount(at, weights=w, minlength=len(nodes))
        cnt[nodes] -= np.bincount(at, minlength=len(nodes))
        alive[nodes] &= cnt[nodes] > 0
    else:
        deg -= np.bincount(ids, weights=w, minlength=len(deg))
        cnt -= np.bincount(ids, minlength=len(cnt))
        alive &= cnt > 0


def _peel(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, n_rows: int, n_cols: int,
          step: float) -> tuple[np.ndarray, np.ndarray, float]:
    """`densest_block` on ids already dense (every row and column id has an edge)."""
    inc = _Incidence(rows, cols, weight, n_rows, n_cols)
    best = (inc.alive_r.copy(), inc.alive_c.copy(), -1.0)
    while True:
        r_ids = np.flatnonzero(inc.alive_r)
        c_ids = np.flatnonzero(inc.alive_c)
        size = len(r_ids) + len(c_ids)
        if size == 0:
            break
        g = inc.f / size
        if g > best[2]:
            best = (inc.alive_r.copy(), inc.alive_c.copy(), g)
        # rounded so that equal degrees stay tied whatever order their weights were summed in
        prio = np.round(np.concatenate([inc.deg_r[r_ids], inc.deg_c[c_ids]]), 9)
        k = max(1, int(np.ceil(step * size)))
        if k >= size:
            break
        cut = np.partition(prio, k - 1)[k - 1]
        drop = prio <= cut
        if drop.sum() > 2 * k:  # many ties at the cut: take the first k of them
            where = np.flatnonzero(drop)
            drop[:] = False
            drop[where[:k]] = True
        inc.remove(r_ids[drop[: len(r_ids)]], c_ids[drop[len(r_ids):]])
    r, c, g = best
    return r, c, max(g, 0.0)


#: the cores a block search starts from, each twice the one below it
CORE_LADDER_STEP = 2.0


def core_ladder(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, n_rows: int, n_cols: int,
                lowest: float) -> list[tuple[float, np.ndarray]]:
    """Nested weighted cores ``(c, edge indices)`` for ``c = lowest * 2**j``, from the
    highest non-empty one down to `lowest`. Each is peeled on from the one below it (a
    core of a subgraph lies inside the subgraph's core), in one pass over the edges."""
    ladder: list[tuple[float, np.ndarray]] = []
    r_ids, r_local = _local_ids(rows, n_rows)
    c_ids, c_local = _local_ids(cols, n_cols)
    inc = _Incidence(r_local, c_local, weight, len(r_ids), len(c_ids))
    c = lowest
    while True:
        inc.core(c)
        edges = np.flatnonzero(inc.edge)
        if not len(edges):
            break
        ladder.append((c, edges))
        c *= CORE_LADDER_STEP
    return ladder[::-1]


#: the least density a block is kept at: each of its accounts has, on average, two of
#: its columns' worth of edges at FRAUDAR weight 0.25 (two templates or exits each
#: sent by ~50 accounts), with as many accounts as columns
MIN_DENSITY = 0.5
#: a block is kept when its typical (median) column is mostly used inside it: a ring's private
#: templates and rented exits are used by the ring (0.6-1.0 on our worlds), while the
#: densest sets of ordinary users share mid-popular templates that far more people
#: outside the set also use (0.07-0.3). A chance measure, free of the world's size.
MIN_PURITY = 0.5
#: marker weight of a block's pairs (only whether it is > 0 is used: see block_groups)
BLOCK_LINK = 0.25


def _connected_parts(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, *, min_rows: int,
                     min_density: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """The connected pieces of a bipartite edge list with at least `min_rows` rows, 2
    columns and a density (edge weight / (rows + columns)) of `min_density`:
    (row ids, column ids, the piece's edge mask, density) each, ids sorted."""
    if not len(rows):
        return []
    r_ids, r_at = np.unique(rows, return_inverse=True)
    c_ids, c_at = np.unique(cols, return_inverse=True)
    label = component_labels(len(r_ids) + len(c_ids), r_at, c_at + len(r_ids))
    _, r_comp = np.unique(label[: len(r_ids)], return_inverse=True)  # every column touches a row
    k = int(r_comp.max()) + 1
    e_comp = r_comp[r_at]
    c_comp = np.zeros(len(c_ids), np.int64)
    c_comp[c_at] = e_comp
    n_r = np.bincount(r_comp, minlength=k)
    n_c = np.bincount(c_comp, minlength=k)
    density = np.bincount(e_comp, weights=weight, minlength=k) / (n_r + n_c)
    out = []
    for comp in np.flatnonzero((n_r >= min_rows) & (n_c >= 2) & (density >= min_density)).tolist():
        out.append((r_ids[r_comp == comp], c_ids[c_comp == comp], e_comp == comp, float(density[comp])))
    return out


def _edge_list(groups: Sequence[Group]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The account x column matrix of `groups` (one column per group, in their order):
    per entry its account index and column, sorted by column, and per column its
    account count in the whole graph (``meta['accounts']``, else the group's size)."""
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    rows = np.concatenate([g.members for g in groups]).astype(np.int64)
    cols = np.repeat(np.arange(len(groups)), sizes)
    degree = np.array([int(g.meta.get("accounts") or g.size) for g in groups], dtype=float)
    return rows, cols, degree


def find_blocks(groups: Sequence[Group], n_accounts: int, *, min_rows: int = 3, min_density: float = MIN_DENSITY,
                min_purity: float = MIN_PURITY, max_blocks: int = 100, step: float = 0.05,
                rank: np.ndarray | None = None) -> list[Block]:
    """Dense blocks of accounts x columns, one column per group (template or address).

    Columns are weighted by FRAUDAR's ``1 / log(deg + 5)`` with ``deg`` the column's
    account count in the whole graph (``meta['accounts']``, else its size). Blocks
    are extracted one after another (each one's accounts removed) until one has fewer
    than `min_rows` accounts, fewer than 2 columns or a density under `min_density`,
    or `max_blocks` were tried; blocks whose purity (the share of their columns'
    accounts inside them) is under `min_purity` are passed over. Each block returned is
    one connected piece of what a search kept, with its own density, purity and `lift`
    (its density over the whole matrix's, for the evidence).

    Peeling breaks ties between equally light nodes by position, and sums weights in
    edge order: given `rank` (a permutation of the account indices,
    `AccountIndex.rank`), the search runs on accounts numbered by rank and columns by
    (family, identifier), edges in that order, so the blocks depend on the accounts and
    identifiers, not on the order the signal queries returned their rows."""
    if not groups:
        return []
    if rank is not None:
        return _find_blocks_in_id_order(groups, n_accounts, rank, min_rows=min_rows, min_density=min_density,
                                        min_purity=min_purity, max_blocks=max_blocks, step=step)
    rows, cols, degree = _edge_list(groups)
    return _search(rows, cols, degree, n_accounts, min_rows=min_rows, min_density=min_density,
                   min_purity=min_purity, max_blocks=max_blocks, step=step)


def _find_blocks_in_id_order(groups: Sequence[Group], n_accounts: int, rank: np.ndarray, **kwargs) -> list[Block]:
    """`find_blocks` on accounts renumbered by `rank` and columns ordered by (family,
    identifier), edges sorted by (column, account); blocks mapped back."""
    col_order = np.array(sorted(range(len(groups)), key=lambda k: (groups[k].family, groups[k].identifier)),
                         dtype=np.int64)  # new column -> group position
    new_col = np.empty(len(groups), np.int64)
    new_col[col_order] = np.arange(len(groups))
    rows, cols, degree = _edge_list(groups)
    rows, cols, degree = rank[rows], new_col[cols], degree[col_order]
    edge_order = np.lexsort((rows, cols))
    rows, cols = rows[edge_order], cols[edge_order]
    account_of = np.argsort(rank)  # renumbered account -> account index
    out = []
    for b in _search(rows, cols, degree, n_accounts, **kwargs):
        out.append(Block(np.sort(account_of[b.rows]), col_order[b.cols], b.density, b.lift, b.purity))
    return out


def _search(rows: np.ndarray, cols: np.ndarray, degree: np.ndarray, n_accounts: int, *, min_rows: int,
            min_density: float, min_purity: float, max_blocks: int, step: float) -> list[Block]:
    """The block search of `find_blocks` over an edge list (`rows` account, `cols`
    column, sorted by column; `degree` per column)."""
    weight = fraudar_weights(degree)[cols]
    n_cols = len(degree)
    base = float(weight.sum()) / max(1, len(np.unique(rows)) + n_cols)
    out: list[Block] = []
    live = np.ones(len(rows), bool)
    n_live = len(rows)
    # each column's and each account's edges, so that a search touches the edges of its
    # block's neighbourhood, not every edge of the matrix (edges are in column order)
    c_ptr = np.r_[0, np.cumsum(np.bincount(cols, minlength=n_cols))]
    r_order = np.argsort(rows, kind="stable")
    r_ptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_accounts))]
    edges_of = _Incidence._edges_of
    ladder = core_ladder(rows, cols, weight, n_accounts, n_cols, min_density)
    tried = 0
    while tried < max_blocks and n_live:
        for c, core in ladder:
            # what is left of the core, not re-cored: peeling strips the nodes that fell
            # under c first, as coring would
            core = core[live[core]]
            if not len(core):
                continue
            r_mask, c_mask, g = densest_block(rows[core], cols[core], weight[core], n_accounts, n_cols, step)
            if g >= c:  # the whole matrix's peeling finds the same block (module docstring)
                break
        else:
            break  # not even the min_density core holds a block
        # the core holds the block's heart; its fringe (ring accounts sending a few of
        # its templates, with degree under c) is in its neighbourhood: every account on
        # the block's columns, with all of its columns. Peeling that keeps the fringe
        # members whole-matrix peeling keeps.
        on_cols = edges_of(None, c_ptr, np.flatnonzero(c_mask))
        on_block = np.unique(rows[on_cols[live[on_cols]]])
        hood = np.sort(edges_of(r_order, r_ptr, on_block))  # in edge order, as a mask would give
        hood = hood[live[hood]]
        r_mask, c_mask, g = densest_block(rows[hood], cols[hood], weight[hood], n_accounts, n_cols, step)
        r_idx, c_idx = np.flatnonzero(r_mask), np.flatnonzero(c_mask)
        if len(r_idx) < min_rows or len(c_idx) < 2 or g < min_density:
            break
        # the median column's share of its accounts inside the block: a few popular
        # columns the ring adds as camouflage do not move it (the block's rows are
        # neighbourhood rows, so its live edges are all in `hood`)
        in_block = hood[r_mask[rows[hood]] & c_mask[cols[hood]]]
        share = np.bincount(cols[in_block], minlength=n_cols) / np.maximum(degree, 1.0)
        purity = float(np.median(share[c_idx])) if len(c_idx) else 0.0
        if purity >= min_purity:
            # the block is its pure columns and the accounts that live on them: an
            # ordinary account pulled in by the popular columns it shares with the
            # ring has most of its block weight elsewhere
            pure = share >= min_purity
            on_pure_edges = in_block[pure[cols[in_block]]]
            on_pure = np.bincount(rows[on_pure_edges], weights=weight[on_pure_edges], minlength=n_accounts)
            on_all = np.bincount(rows[in_block], weights=weight[in_block], minlength=n_accounts)
            members = r_idx[on_pure[r_idx] >= 0.5 * on_all[r_idx]]
            member = np.zeros(n_accounts, bool)
            member[members] = True
            sel = on_pure_edges[member[rows[on_pure_edges]]]
            # greedy peeling keeps disjoint dense pieces together (the density of a union
            # is their average): a thousand households, each alone on its home address,
            # peel as one "block". A block is one connected piece of it.
            e_rows, e_cols = rows[sel], cols[sel]
            for p_rows, p_cols, p_edges, p_g in _connected_parts(e_rows, e_cols, weight[sel], min_rows=min_rows,
                                                                 min_density=min_density):
                p_share = np.bincount(e_cols[p_edges], minlength=n_cols)[p_cols] / np.maximum(degree[p_cols], 1.0)
                p_purity = float(np.median(p_share))
                if p_purity >= min_purity:
                    out.append(Block(p_rows, p_cols, p_g, p_g / base if base > 0 else 0.0, p_purity))
        tried += 1
        # the block's accounts are taken, with all their edges: a second, smaller block
        # of the same ring would only repeat it
        gone = edges_of(r_order, r_ptr, r_idx)
        n_live -= int(live[gone].sum())
        live[gone] = False
    return out


def block_groups(groups: Sequence[Group], index: AccountIndex, **kwargs) -> list[Group]:
    """Dense blocks over the template and IP groups, as groups of family ``block``.

    Blocks propose pairs (so the template mix and the shared exits of every pair
    inside get compared, however many accounts send each template) and, for those
    pairs, lift the cap on what a template mix adds to a link (registry: ``lift``):
    inside a pure block a similar mix is the block's private set. The block adds no
    score of its own, so two rings of one operator found in one block (a shared proxy
    pool, part of a prompt set) stay apart where their mixes differ."""

    cols = [g for g in groups if g.family in ("template", "ip")]
    blocks = find_blocks(cols, len(index), rank=index.rank(), **kwargs)
    out = []
    for k, b in enumerate(blocks):
        members = np.sort(b.rows)
        fams = sorted({cols[c].family for c in b.cols.tolist()})
        out.append(Group("block", f"block-{k + 1}", members, BLOCK_LINK * b.purity,
                         meta={"accounts": int(len(members)), "columns": int(len(b.cols)), "families": fams,
                               "density": round(b.density, 3), "lift": round(b.lift, 2), "purity": round(b.purity, 3)}))
    return out


#: two communities of a block are two private sets only when at most this share of
#: the smaller one's edge weight crosses the cut between them (`groups.merge_entangled`):
#: rings of one operator that share a few templates of their sets stay apart, while
#: the pieces Louvain cuts a thin ring into (each template's senders spread over all
#: of them) are merged back
PRIVATE_SET_CUT = 0.1


def private_sets(groups: Sequence[Group], n_accounts: int, *, min_rows: int = 3, min_purity: float = MIN_PURITY,
                 max_conductance: float = PRIVATE_SET_CUT, seed: int = 7, rank: np.ndarray | None = None,
                 **kwargs) -> list[Block]:
    """The private template sets inside the dense blocks of the account x template
    matrix: each block cut into Louvain communities of its bipartite graph where the
    cut is clean, kept when pure.

    A ring that sends each of its private templates a few times from a thin slice of
    its accounts (each member 8-20 % of the set) leaves no pair of members with
    similar mixes (their cosine is about the slice, 0.1-0.2), but the set is still a
    block, and a block found over templates alone holds one ring's set, or several
    rings' sets and a class's course templates side by side (greedy peeling keeps
    disjoint dense pieces together, and popular columns connect them). Inside a block
    we cut along modularity: Louvain (Blondel et al. 2008, igraph's
    ``community_multilevel``, seeded; plain modularity on both kinds of node, cf.
    Barber, "Modularity and community detection in bipartite networks", Phys. Rev. E
    2007) on the bipartite graph of the block's accounts and the templates at least
    two of them send and whose senders are mostly inside the block (a share of
    `min_purity`: camouflage on popular templates ties everyone to everyone), edges
    weighted by FRAUDAR's column weight. Communities joined by more than
    `max_conductance` of the smaller one's weight are merged back, as `rings.split_clean`
    does with a component's links. A community is kept when it has at least
    `min_rows` accounts, each with two or more of its templates, 2 templates, and a
    purity (median over its templates of the share of their senders inside it) of
    at least `min_purity`: a ring's set is sent by the ring alone, a class's course
    templates by other classes and the campus too. `groups` are template groups;
    `rank` (per account index, `AccountIndex.rank`) orders Louvain's nodes and edges
    by account and template ids, not by the order the queries returned them (as
    `rings.split_clean` does); returns the sets as blocks (rows, columns into
    `groups`, density, lift 0, purity)."""
    if not groups:
        return []
    rows, cols, degree = _edge_list(groups)
    weight = fraudar_weights(degree)
    n_cols = len(groups)
    out: list[Block] = []
    inside = np.zeros(n_accounts, bool)
    # each account's entries, found through an index: thousands of blocks (most of them
    # a company's few accounts) each scanning every entry took 28 s on the incident world
    r_order = np.argsort(rows, kind="stable")
    r_ptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_accounts))]
    used = np.zeros(n_cols, np.int64)
    col_rank = np.argsort(np.argsort(np.array([g.identifier for g in groups], dtype=object), kind="stable"), kind="stable")
    for block in find_blocks(groups, n_accounts, min_rows=min_rows, min_purity=min_purity, rank=rank, **kwargs):
        e = np.sort(_Incidence._edges_of(r_order, r_ptr, block.rows))
        np.add.at(used, cols[e], 1)
        keep = (used[cols[e]] >= 2) & (used[cols[e]] >= min_purity * degree[cols[e]])
        used[cols[e]] = 0
        e = e[keep]
        if not len(e):
            continue
        if rank is not None:
            # Louvain visits nodes and edges in id order: make the ids depend on the
            # accounts and templates, not on the order the queries returned them
            e = e[np.lexsort((col_rank[cols[e]], rank[rows[e]]))]
        r_ids, r_loc = _first_seen(rows[e])
        c_ids, c_loc = _first_seen(cols[e])
        n_r = len(r_ids)
        w = weight[cols[e]]
        membership = louvain_membership(n_r + len(c_ids), r_loc, n_r + c_loc, w, seed)
        membership, alive = merge_entangled(membership, membership[r_loc], membership[n_r + c_loc], w, max_conductance)
        for k in alive:
            found = _pure_set(membership[:n_r] == k, membership[n_r:] == k, r_ids, r_loc, c_ids, c_loc, e, rows, cols,
                              degree, weight, inside, min_rows, min_purity)
            if found is not None:
                out.append(found)
    return out


def private_set_groups(groups: Sequence[Group], index: AccountIndex, **kwargs) -> list[Group]:
    """Private template sets (`private_sets`) as groups of family ``private``: their
    pairs are proposed and, for them, a template mix counts from a lower bar than
    inside a dense block (`rings.RingParams.private_link`): inside a pure set a
    faint overlap of two thin slices is still the set. Like a block, a set adds no
    score of its own; the template and address families count the evidence."""
    cols = [g for g in groups if g.family == "template"]
    out = []
    for k, b in enumerate(private_sets(cols, len(index), rank=index.rank(), **kwargs)):
        out.append(Group("private", f"private-set-{k + 1}", b.rows, BLOCK_LINK * b.purity,
                         meta={"accounts": int(len(b.rows)), "templates": int(len(b.cols)),
                               "density": round(b.density, 3), "purity": round(b.purity, 3)}))
    return out


def _first_seen(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of `ids` in order of first appearance, and each entry's position
    among them (`np.unique`'s pair, ordered by appearance instead of value)."""
    distinct, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    return distinct[order], position[inverse]


def _pure_set(in_r: np.ndarray, in_c: np.ndarray, r_ids: np.ndarray, r_loc: np.ndarray, c_ids: np.ndarray,
              c_loc: np.ndarray, e: np.ndarray, rows: np.ndarray, cols: np.ndarray, degree: np.ndarray,
              weight: np.ndarray, inside: np.ndarray, min_rows: int, min_purity: float) -> Block | None:
    """The set of the block's accounts `in_r` over its templates `in_c` (masks over
    `r_ids`, `c_ids`; `e` the block's edges, `r_loc`/`c_loc` their local ends) when
    it is one: at least `min_rows` accounts with two or more of the templates, 2
    templates, and a median template's share of its senders inside of `min_purity`.
    `inside` is a scratch mask over all accounts, left all False."""
    own = in_r[r_loc] & in_c[c_loc]
    per_row = np.bincount(r_loc[own], minlength=len(r_ids))
    members = r_ids[in_r & (per_row >= 2)]
    if len(members) < min_rows:
        return None
    inside[members] = True
    kept = own & inside[rows[e]]
    inside[members] = False
    c_kept = np.unique(c_loc[kept])
    if len(c_kept) < 2:
        return None
    senders = np.bincount(c_loc[kept], minlength=len(c_ids))[c_kept]
    purity = float(np.median(senders / degree[c_ids[c_kept]]))
    if purity < min_purity:
        return None
    density = float(weight[cols[e[kept]]].sum()) / (len(members) + len(c_kept))
    return Block(np.sort(members), c_ids[c_kept], density, 0.0, purity)
