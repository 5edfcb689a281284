"""The units detection works in: an index of accounts and *groups* (one shared
identifier and the accounts sharing it). Every signal turns its rows into groups;
links, grouping, evidence and `explain` all read them."""
from __future__ import annotations

import random
import threading
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import igraph
import numpy as np


def rarity_weight(n: int | np.ndarray) -> float | np.ndarray:
    """The weight an identifier shared by n accounts gives each pair of them."""
    return 1.0 / np.log2(1.0 + np.asarray(n, dtype=float))


class AccountIndex:
    """Account ids <-> dense integer indices, plus a stable hash rank per account."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._index: dict[str, int] = {}
        self._hash: list[int] = []
        # `hashes` and `rank` as arrays, for the accounts indexed so far (the link builder
        # asks for every group it adds)
        self._hashes: np.ndarray | None = None
        self._rank: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, account_ids: Iterable[str]) -> np.ndarray:
        out = []
        for acc in account_ids:
            i = self._index.get(acc)
            if i is None:
                i = len(self.ids)
                self._index[acc] = i
                self.ids.append(acc)
                self._hash.append(zlib.crc32(acc.encode("utf-8")))
            out.append(i)
        return np.asarray(out, dtype=np.int64)

    def get(self, account_id: str) -> int | None:
        return self._index.get(account_id)

    def hashes(self) -> np.ndarray:
        """Each account's own hash (CRC-32 of its id), as uint64: unlike `rank`, a value
        no other account changes, so what is drawn from it stays put when accounts are
        added anywhere else in the graph. Read only, made once per size of the index."""
        if self._hashes is None or len(self._hashes) != len(self.ids):
            self._hashes = np.asarray(self._hash, dtype=np.uint64)
            self._hashes.flags.writeable = False
        return self._hashes

    def rank(self) -> np.ndarray:
        """Position of each account in a hash order independent of query order. Use it
        for *order* only: adding accounts shifts the positions (not the order) of the rest.
        Read only, made once per size of the index (the block search, the sets, the links
        and the grouping all ask; 0.5 s each on a million accounts)."""
        if self._rank is not None and len(self._rank) == len(self.ids):
            return self._rank
        h = np.asarray(self._hash, dtype=np.int64)
        order = np.lexsort((np.asarray(self.ids, dtype=object).astype(str), h)) if len(h) else np.empty(0, np.int64)
        rank = np.empty(len(h), dtype=np.int64)
        rank[order] = np.arange(len(h))
        rank.flags.writeable = False
        self._rank = rank
        return rank


@dataclass
class Group:
    """One shared identifier and the accounts sharing it."""

    family: str
    identifier: str
    members: np.ndarray  # account indices, distinct
    weight: float  # what each pair of members gets from this identifier
    first_s: np.ndarray | None = None  # per member: first use (epoch s), IP groups only
    last_s: np.ndarray | None = None  # per member: last use
    network: str | None = None  # IP groups: ASN or prefix, for per-network aggregation
    volume: np.ndarray | None = None  # template groups: exchanges per member
    meta: dict = field(default_factory=dict)
    #: how telling one identifier of this kind is, in [0, 1] (an ip_intel kind, a
    #: patterned e-mail stem); used by the ring evidence, see `evidence`
    character: float = 1.0

    @property
    def size(self) -> int:
        return int(len(self.members))


def owner_of(groups: Sequence[np.ndarray], n_accounts: int) -> np.ndarray:
    """Per account index, the position in `groups` (disjoint arrays of account indices)
    of the group holding it, or -1."""
    owner = np.full(n_accounts, -1, dtype=np.int64)
    for r, members in enumerate(groups):
        owner[members] = r
    return owner


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label (the smallest index in it) of every account index;
    accounts without a link keep their own index. Label propagation with pointer
    jumping: numpy over the edge list, no graph object."""
    label = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return label
    while True:
        la, lb = label[a], label[b]
        low = np.minimum(la, lb)
        new = label.copy()
        np.minimum.at(new, la, low)
        np.minimum.at(new, lb, low)
        new = new[new]  # pointer jumping: follow labels to their own label
        while True:
            nxt = new[new]
            if np.array_equal(nxt, new):
                break
            new = nxt
        if np.array_equal(new, label):
            return label
        label = new


#: igraph's random number generator is one per process (see louvain_membership)
_IGRAPH_RNG = threading.Lock()


def louvain_membership(n_nodes: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, seed: int) -> np.ndarray:
    """Louvain communities (Blondel, Guillaume, Lambiotte, Lefebvre, "Fast unfolding of
    communities in large networks", J. Stat. Mech. 2008) of a weighted graph on nodes
    ``0..n_nodes-1``: the community of each node at the level of highest modularity
    (resolution 1). igraph's C implementation (``community_multilevel``), seeded, so
    one input always gives one partition: networkx's took two thirds of the incident
    world's grouping."""
    graph = igraph.Graph(n=n_nodes, edges=np.column_stack([a, b]).tolist())
    # igraph draws its node order from the RNG set here (process-wide): seed it for
    # this call, then give igraph back Python's own generator. The lock keeps two
    # detection runs in one process (the app's sessions) from drawing from each
    # other's seed
    with _IGRAPH_RNG:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            return np.asarray(graph.community_multilevel(weights=w.tolist()).membership, dtype=np.int64)
        finally:
            igraph.set_random_number_generator(random)


def merge_entangled(membership: np.ndarray, cx: np.ndarray, cy: np.ndarray, w: np.ndarray,
                    max_conductance: float) -> tuple[np.ndarray, list[int]]:
    """Merge communities back, the most entangled pair first, until every remaining
    pair is cleanly separated: the weight of the edges between them is at most
    `max_conductance` of the smaller one's volume. `membership` is per node, `cx`,
    `cy` the communities of each edge's ends and `w` its weight. Returns the merged
    membership (a copy) and the community numbers left. Louvain happily cuts a
    homogeneous group in halves; a cut that only few edges cross is a real one."""
    membership = membership.copy()
    k = int(membership.max()) + 1 if len(membership) else 0
    vol = np.bincount(cx, weights=w, minlength=k) + np.bincount(cy, weights=w, minlength=k)
    between = np.zeros((k, k))
    cross = cx != cy
    np.add.at(between, (cx[cross], cy[cross]), w[cross])
    between = between + between.T
    alive = list(range(k))
    while len(alive) > 1:
        idx = np.asarray(alive)
        denom = np.minimum.outer(vol[idx], vol[idx])
        ratio = np.divide(between[np.ix_(idx, idx)], denom, out=np.zeros_like(denom), where=denom > 0)
        ratio[np.tril_indices(len(idx))] = -1.0  # each pair once; the first of equals wins
        flat = int(np.argmax(ratio))
        i, j = int(idx[flat // len(idx)]), int(idx[flat % len(idx)])
        if ratio.flat[flat] <= max_conductance:
            break
        membership[membership == j] = i
        vol[i] += vol[j]
        between[i, :] += between[j, :]
        between[:, i] += between[:, j]
        between[i, i] = 0.0
        alive.remove(j)
    return membership, alive
