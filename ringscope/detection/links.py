"""From shared identifiers to weighted account-account links (pure numpy).

Each stored signal query yields *groups*: one identifier and the accounts sharing it.
A group of n accounts says less about any two of them the larger it is, so each pair
in it gets the identifier's **rarity weight** ``1 / log2(1 + n)`` (2 accounts: 0.63,
10: 0.29, 100: 0.15), times a kind factor for IP addresses (carrier CGNAT and VPN exits
count for little). Within one *signal family* the weights of all identifiers a pair
shares combine as a noisy-or, ``1 - prod(1 - w)``, so a family's score stays in
[0, 1] however many cards or addresses two accounts share; for IP addresses first
keeping only the strongest address per network (ASN, else the /16), so two phones
on one carrier's CGNAT pool score as one shared network, while a residential-proxy
pool spread over dozens of ISPs scores high. IP pairs only count when both accounts
used the address within `ip_window_s` of each other.

Templates are compared differently: the family score is the cosine similarity of two
accounts' template mixes (heavily-sent templates only, each weighted by rarity and by
log volume), so an operator's rings, which share part of their prompt set, stay apart
while the accounts of one ring, which rotate the same set, score near 1.

Large groups are not expanded into every pair: members are put in an order drawn
from their ids and the identifier (a different order for every identifier) and each
is paired with its next `successors` members. A group that is really a ring stays
connected, the work stays linear, and the many identifiers a ring shares weave a
well-mixed web (a single shared order would make a lattice that community detection
cuts into arcs). Template groups add pairs only when small: the template similarity
is computed exactly for every candidate pair, whichever family proposed it, which
also gives every pair inside a ring its second family.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .groups import AccountIndex, Group, rarity_weight
from .registry import FAMILIES, FAMILY_INDEX, combine_of

__all__ = ["AccountIndex", "Group", "rarity_weight", "FAMILIES", "FAMILY_INDEX", "LinkBuilder", "PairTable", "group_pairs"]


_TRIU: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _triu(n: int) -> tuple[np.ndarray, np.ndarray]:
    if n not in _TRIU:
        _TRIU[n] = np.triu_indices(n, 1)
    return _TRIU[n]


def group_pairs(members: np.ndarray, hashes: np.ndarray, rank: np.ndarray, max_clique: int, successors: int,
                salt: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into `members`) of the pairs a group contributes.

    Up to `max_clique` members: every pair. Beyond: members in an order drawn from
    the account hashes (`AccountIndex.hashes`, per account index) and the group's own
    `salt`, each paired with its next `successors` members (circularly): linear in the
    group size, connected, and a different random-like graph per identifier, so the many
    identifiers a ring shares add up to a well-mixed web with no artificial seams to cut
    along. The draw reads each member's own hash, never its `rank` position (ties only):
    positions shift when accounts are added anywhere in the graph, and nine new accounts
    sharing nothing with anyone re-drew every big group's pairs and moved accounts in
    and out of rings.
    """
    n = len(members)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if n <= max_clique:
        i, j = _triu(n)
        return i, j
    keys = ((hashes[members].astype(np.uint64) ^ np.uint64(salt & 0xFFFFFFFF)) * np.uint64(2654435761)) % np.uint64(1 << 32)
    order = np.lexsort((rank[members], keys))
    k = max(1, min(successors, (n - 1) // 2))
    first = np.repeat(np.arange(n), k)
    step = np.tile(np.arange(1, k + 1), n)
    return order[first], order[(first + step) % n]


@dataclass
class PairTable:
    """Every candidate pair (a < b) with one score per family."""

    a: np.ndarray
    b: np.ndarray
    scores: np.ndarray  # (pairs, families) float32
    #: per pair: both accounts are members of one pure dense block (family ``lift``);
    #: None when no block proposed any pair
    in_block: np.ndarray | None = None
    #: per pair: distinct networks (registry ``per_network`` families) the two share
    #: an address in within the window, up to 255; None when no such family ran
    networks: np.ndarray | None = None
    #: per pair: both accounts send templates, so the template family has judged the
    #: pair (its cosine, agreeing or not); None when no template data was seen
    mixed: np.ndarray | None = None
    #: per pair: both accounts are members of one private template set (family
    #: ``private``); None when no set proposed any pair
    in_private: np.ndarray | None = None

    def __len__(self) -> int:
        return int(len(self.a))

    @property
    def total(self) -> np.ndarray:
        return self.scores.sum(axis=1)

    def family(self, name: str) -> np.ndarray:
        return self.scores[:, FAMILY_INDEX[name]]


#: pair key = low index * _MODULUS + high index (fixed, so keys never depend on how
#: many accounts arrive later)
_MODULUS = np.int64(1 << 31)
#: candidate pairs of big dense blocks compared in one template-cosine call at most
BLOCK_BATCH_PAIRS = 4_000_000
#: template entries walked per step of `template_cosine` (bounds its memory)
COSINE_CHUNK = 20_000_000


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int | np.int64) -> np.ndarray:
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    return lo * np.int64(n) + hi


def _sum_per(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct key: the sum of values."""
    if len(keys) == 0:
        return keys, values
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return k[starts], np.add.reduceat(values[order], starts)


def _max_per(keys: np.ndarray, sub: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct (key, sub): the largest weight."""
    if len(keys) == 0:
        return keys, sub, weights
    order = np.lexsort((sub, keys))
    k, s, w = keys[order], sub[order], weights[order]
    starts = np.flatnonzero(np.r_[True, (k[1:] != k[:-1]) | (s[1:] != s[:-1])])
    return k[starts], s[starts], np.maximum.reduceat(w, starts)


def _log_miss(weights: np.ndarray) -> np.ndarray:
    """log(1 - w): noisy-or combines as a sum of these."""
    return np.log1p(-np.clip(weights, 0.0, 0.999))


class _FamilyAccumulator:
    """Pair evidence of one family, compacted whenever it grows past `compact_at`
    entries so memory follows the number of distinct pairs, not of group members.

    Non-IP families keep sum(log(1 - w)) per pair (a noisy-or in waiting); the IP
    family keeps max(w) per (pair, network) and sums over networks at the end."""

    def __init__(self, per_network: bool, compact_at: int) -> None:
        self.per_network = per_network
        self.compact_at = compact_at
        self.keys: list[np.ndarray] = []
        self.subs: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.size = 0
        #: after `result`: (pair keys, distinct networks per pair) of a per-network family
        self.network_counts: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, keys: np.ndarray, weights: np.ndarray, sub: np.ndarray) -> None:
        self.keys.append(keys)
        self.vals.append(weights if self.per_network else _log_miss(weights))
        self.subs.append(sub)
        self.size += len(keys)
        if self.size >= self.compact_at:
            self._compact()

    def _compact(self) -> None:
        if not self.keys:
            return
        keys, vals, subs = np.concatenate(self.keys), np.concatenate(self.vals), np.concatenate(self.subs)
        if self.per_network:
            keys, subs, vals = _max_per(keys, subs, vals)
        else:
            keys, vals = _sum_per(keys, vals)
            subs = np.zeros(len(keys), np.int64)
        self.keys, self.vals, self.subs = [keys], [vals], [subs]
        self.size = len(keys)
        # compacting again right away would not shrink much: let the next batch grow first
        self.compact_at = max(self.compact_at, 2 * self.size)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(pair keys, family score) with the score a noisy-or in [0, 1]."""
        self._compact()
        if not self.keys:
            return np.empty(0, np.int64), np.empty(0)
        keys, vals = self.keys[0], self.vals[0]
        if self.per_network:
            self.network_counts = _sum_per(keys, np.ones(len(keys)))
            keys, vals = _sum_per(keys, _log_miss(vals))
        return keys, 1.0 - np.exp(vals)


class LinkBuilder:
    """Accumulates groups, then reduces them into a `PairTable`."""

    def __init__(self, index: AccountIndex, *, max_clique: int = 32, successors: int = 4,
                 ip_window_s: int = 86_400, compact_at: int = 4_000_000, min_shared_templates: int = 1,
                 popular_above: int | None = None, template_cap: float = 1.0,
                 block_neighbours: int = 8, block_exact: int = 1000) -> None:
        self.index = index
        self.block_neighbours = block_neighbours
        self.block_exact = block_exact
        self.template_cap = template_cap
        self.min_shared_templates = min_shared_templates
        self.popular_above = popular_above
        self.max_clique = max_clique
        self.successors = successors
        self.ip_window_s = ip_window_s
        self._acc = {f: _FamilyAccumulator(combine_of(f) == "per_network", compact_at) for f in FAMILIES}
        self._networks: dict[str, int] = {}
        self._template_entries: list[tuple[np.ndarray, np.ndarray, float]] = []  # (members, volume, weight)
        self._template_accounts: list[int] = []  # accounts sending each template, whole graph
        self._blocks: list[Group] = []  # big lift groups, paired in `build`
        self._mix: tuple | None = None  # (entries, sorted index): see _mix_index

    def add(self, group: Group) -> int:
        """Add one group; returns the number of candidate pairs it contributed."""
        if combine_of(group.family) == "context":
            return 0
        if group.family not in FAMILY_INDEX:
            raise ValueError(f"unknown signal family {group.family!r}")
        mode = combine_of(group.family)
        if mode == "cosine":
            volume = group.volume if group.volume is not None else np.ones(len(group.members))
            self._template_entries.append((group.members, np.asarray(volume, float), float(group.weight)))
            self._template_accounts.append(int(group.meta.get("accounts") or group.size))
            if group.size > self.max_clique:
                # the mix similarity is computed for every candidate pair anyway; a large
                # template group only adds pairs no second family would confirm
                return 0
        if mode in ("lift", "private") and self.max_clique < group.size <= self.block_exact:
            # a big block pairs each member with its most similar members, once every
            # template is known (`build`); bigger ones take the successor pairs below
            self._blocks.append(group)
            return 0
        hashes, rank = self.index.hashes(), self.index.rank()
        salt = zlib.crc32(f"{group.family}:{group.identifier}".encode("utf-8"))
        i, j = group_pairs(group.members, hashes, rank, self.max_clique, self.successors, salt)
        if mode == "per_network" and len(i) and group.first_s is not None and group.last_s is not None:
            f, l = group.first_s, group.last_s
            w = self.ip_window_s
            keep = (f[i] <= l[j] + w) & (f[j] <= l[i] + w)
            i, j = i[keep], j[keep]
        if len(i) == 0:
            return 0
        a, b = group.members[i], group.members[j]
        weight = 0.0 if mode == "cosine" else group.weight  # cosine families: computed at the end
        net = self._networks.setdefault(group.network or group.identifier, len(self._networks)) if mode == "per_network" else 0
        self._acc[group.family].add(_pair_keys(a, b, _MODULUS), np.full(len(a), weight), np.full(len(a), net, np.int64))
        return int(len(a))

    def add_all(self, groups: Sequence[Group]) -> int:
        """Add many groups; small ones (at most `max_clique` members) are expanded in
        one vectorised step per (family, size). Returns the candidate pairs added."""
        buckets: dict[tuple[str, int], list[Group]] = {}
        added = 0
        for g in groups:
            if combine_of(g.family) == "context":
                continue
            if g.family not in FAMILY_INDEX:
                raise ValueError(f"unknown signal family {g.family!r}")
            if g.size < 2:
                continue
            if g.size <= self.max_clique and combine_of(g.family) != "cosine":
                buckets.setdefault((g.family, g.size), []).append(g)
            else:
                added += self.add(g)
        for (family, n), gs in buckets.items():
            added += self._add_cliques(family, n, gs)
        return added

    def _add_cliques(self, family: str, n: int, gs: list[Group]) -> int:
        i, j = _triu(n)
        members = np.stack([g.members for g in gs])  # (groups, n)
        a, b = members[:, i], members[:, j]  # (groups, pairs per group)
        weight = np.repeat(np.array([g.weight for g in gs], dtype=float), len(i)).reshape(a.shape)
        if combine_of(family) == "per_network":
            net = np.array([self._networks.setdefault(g.network or g.identifier, len(self._networks)) for g in gs], np.int64)
            sub = np.repeat(net, len(i)).reshape(a.shape)
            if all(g.first_s is not None and g.last_s is not None for g in gs):
                f = np.stack([g.first_s for g in gs])
                l = np.stack([g.last_s for g in gs])
                w = self.ip_window_s
                keep = (f[:, i] <= l[:, j] + w) & (f[:, j] <= l[:, i] + w)
            else:
                keep = np.ones(a.shape, bool)
        else:
            sub = np.zeros(a.shape, np.int64)
            keep = np.ones(a.shape, bool)
        a, b, weight, sub = a[keep], b[keep], weight[keep], sub[keep]
        if len(a):
            self._acc[family].add(_pair_keys(a, b, _MODULUS), weight, sub)
        return int(len(a))

    def _pair_exact_blocks(self, exact: list[Group]) -> None:
        """Nearest-mix pairs of these blocks, with one template cosine call."""
        if not self._template_entries:
            return
        a_parts, b_parts, blk_parts = [], [], []
        for k, group in enumerate(exact):
            i, j = np.triu_indices(len(group.members), 1)  # not cached: blocks come in many sizes
            a_parts.append(group.members[i])
            b_parts.append(group.members[j])
            blk_parts.append(np.full(len(i), k, np.int64))
        if exact:
            a_all, b_all, blk = np.concatenate(a_parts), np.concatenate(b_parts), np.concatenate(blk_parts)
            cos = self.template_cosine(a_all, b_all)
            # top-k per (block, member), over both directions of each pair
            who = np.concatenate([a_all, b_all])
            other = np.concatenate([b_all, a_all])
            sim = np.concatenate([cos, cos])
            where = np.concatenate([blk, blk])
            order = np.lexsort((-sim, who, where))
            who, other, sim, where = who[order], other[order], sim[order], where[order]
            first = np.r_[True, (who[1:] != who[:-1]) | (where[1:] != where[:-1])]
            starts = np.flatnonzero(first)
            pos = np.arange(len(who)) - np.repeat(starts, np.diff(np.r_[starts, len(who)]))
            keep = (pos < self.block_neighbours) & (sim > 0)
            for k, group in enumerate(exact):
                mine = keep & (where == k)
                if mine.any():
                    self._acc[group.family].add(_pair_keys(who[mine], other[mine], _MODULUS),
                                                np.full(int(mine.sum()), group.weight), np.zeros(int(mine.sum()), np.int64))

    def _pair_blocks(self) -> None:
        """Pairs of each big block or private set (families ``lift``, ``private``) of at
        most `block_exact` members:
        every member with its `block_neighbours` most similar members by template mix.
        A block can hold several rings at once (FRAUDAR's density of two disjoint
        blocks is their average, so peeling keeps both), and random pairs inside it
        would mostly cross between them; a ring's members are each other's nearest
        mixes. (Without template entries every similarity is 0 and a block proposes
        nothing, as its random pairs would add nothing either: the lift family has no
        score of its own.)

        One cosine call per batch of blocks (up to BLOCK_BATCH_PAIRS pairs): the call
        walks every template entry of the graph's index, so once per block would repeat
        that a hundred times on a large world."""
        batch: list[Group] = []
        size = 0
        for group in self._blocks + [None]:
            n = 0 if group is None else len(group.members) * (len(group.members) - 1) // 2
            if batch and (group is None or size + n > BLOCK_BATCH_PAIRS):
                self._pair_exact_blocks(batch)
                batch, size = [], 0
            if group is not None:
                batch.append(group)
                size += n
        self._blocks = []

    def build(self) -> PairTable:
        self._pair_blocks()
        per_family = {fam: acc.result() for fam, acc in self._acc.items()}
        per_family = {fam: kw for fam, kw in per_family.items() if len(kw[0])}
        if not per_family:
            empty = np.empty(0, np.int64)
            return PairTable(empty, empty, np.zeros((0, len(FAMILIES)), np.float32))
        all_keys = np.unique(np.concatenate([k for k, _ in per_family.values()]))
        scores = np.zeros((len(all_keys), len(FAMILIES)), np.float32)
        for fam, (keys, w) in per_family.items():
            if combine_of(fam) == "cosine":
                continue
            pos = np.searchsorted(all_keys, keys)
            scores[pos, FAMILY_INDEX[fam]] = w
        a = all_keys // _MODULUS
        b = all_keys % _MODULUS
        networks = None
        for acc in self._acc.values():
            if acc.network_counts is not None and len(acc.network_counts[0]):
                keys, counts = acc.network_counts
                if networks is None:
                    networks = np.zeros(len(all_keys), np.uint8)  # one byte a pair: counted up to 255
                at = np.searchsorted(all_keys, keys)  # a family's keys are distinct
                networks[at] = np.maximum(networks[at], np.minimum(counts, 255).astype(np.uint8))
        mixed = None
        if self._template_entries and len(a):
            deg = self._mix_index()[4]
            inside = (a < len(deg)) & (b < len(deg))
            mixed = np.zeros(len(a), bool)
            mixed[inside] = (deg[a[inside]] > 0) & (deg[b[inside]] > 0)
        flags = {"lift": np.zeros(len(a), bool), "private": np.zeros(len(a), bool)}
        for fam in FAMILIES:
            if combine_of(fam) in flags:
                # pairs inside a pure dense block or private set: their similar mixes
                # are its private templates, not two users of the same tools; the
                # marker adds nothing
                flags[combine_of(fam)] |= scores[:, FAMILY_INDEX[fam]] > 0
                scores[:, FAMILY_INDEX[fam]] = 0.0
        lifted = flags["lift"] | flags["private"]
        if self._template_entries:
            for fam in FAMILIES:
                if combine_of(fam) == "cosine":
                    cos = self.template_cosine(a, b)
                    scores[:, FAMILY_INDEX[fam]] = np.where(lifted, cos, np.minimum(cos, self.template_cap))
        return PairTable(a, b, scores, flags["lift"] if flags["lift"].any() else None, networks, mixed,
                         flags["private"] if flags["private"].any() else None)

    def _mix_index(self) -> tuple:
        """Every (account, template) entry sorted by account then template, with the
        per-account norms, offsets and degrees: built once per set of entries (the
        sort is the costly part on a large graph), reused by every cosine call."""
        key = len(self._template_entries)
        if self._mix is not None and self._mix[0] == key:
            return self._mix[1]
        acc, tpl, val = [], [], []
        for t, (members, volume, weight) in enumerate(self._template_entries):
            acc.append(members)
            tpl.append(np.full(len(members), t, np.int64))
            val.append(weight * np.log1p(np.maximum(volume, 0.0)))
        acc_a = np.concatenate(acc).astype(np.int64)
        tpl_a = np.concatenate(tpl)
        val_a = np.concatenate(val)
        order = np.lexsort((tpl_a, acc_a))
        acc_a, tpl_a, val_a = acc_a[order], tpl_a[order], val_a[order]
        n_acc = max(int(acc_a.max()) + 1, len(self.index))
        norm = np.sqrt(np.bincount(acc_a, weights=val_a ** 2, minlength=n_acc))
        start = np.searchsorted(acc_a, np.arange(n_acc))
        deg = np.bincount(acc_a, minlength=n_acc)
        entry_keys = acc_a * np.int64(key) + tpl_a  # sorted, since entries are sorted by (acc, tpl)
        popularity = np.asarray(self._template_accounts, dtype=float)
        share = (np.minimum(1.0, self.popular_above / np.maximum(popularity, 1.0)) if self.popular_above
                 else np.ones(len(popularity)))
        index = (tpl_a, val_a, norm, start, deg, entry_keys, share)
        self._mix = (key, index)
        return index

    def template_cosine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine similarity of the two accounts' template mixes, for each pair.
        Pairs are walked in chunks of at most COSINE_CHUNK template entries, so memory
        stays bounded however many templates the accounts send."""
        if not self._template_entries or len(a) == 0:
            return np.zeros(len(a), np.float32)
        tpl_a, val_a, norm, start, deg, entry_keys, share = self._mix_index()
        if int(max(a.max(), b.max())) >= len(deg):
            raise ValueError("template_cosine: an account index beyond the template index")
        n_tpl = np.int64(len(self._template_entries))
        # walk the templates of the account with fewer of them; look the other up
        small = np.where(deg[a] <= deg[b], a, b)
        other = np.where(deg[a] <= deg[b], b, a)
        counts = deg[small]
        cum = np.cumsum(counts)
        out = np.zeros(len(a), np.float32)
        lo = 0
        while lo < len(a):
            base = int(cum[lo - 1]) if lo else 0
            hi = int(np.searchsorted(cum, base + COSINE_CHUNK, side="right"))
            hi = max(hi, lo + 1)
            c = counts[lo:hi]
            total = int(c.sum())
            if total:
                pair_of = np.repeat(np.arange(hi - lo), c)
                offs = np.arange(total) - np.repeat(np.cumsum(c) - c, c)
                pos = start[small[lo:hi]][pair_of] + offs
                t_small = tpl_a[pos]
                look = other[lo:hi][pair_of] * n_tpl + t_small
                hit = np.minimum(np.searchsorted(entry_keys, look), len(entry_keys) - 1)
                found = entry_keys[hit] == look
                dots = np.bincount(pair_of[found], weights=val_a[pos][found] * val_a[hit[found]], minlength=hi - lo)
                denom = norm[a[lo:hi]] * norm[b[lo:hi]]
                with np.errstate(invalid="ignore", divide="ignore"):
                    cos = np.where(denom > 0, dots / denom, 0.0)
                if self.min_shared_templates > 1:
                    # one or two templates in common is what two users of the same popular
                    # tools have; a mix is only a mix from a few shared templates on:
                    # the cosine counts 1 - 2^-(k - m + 1) of itself for k shared, m required;
                    # a template sent by more accounts than `popular_above` counts as
                    # popular_above / n of a shared template: public templates that
                    # everyone sends do not make two accounts' mixes alike
                    shared = np.bincount(pair_of[found], weights=share[t_small[found]], minlength=hi - lo)
                    cos = cos * np.clip(1.0 - 2.0 ** (-(shared - self.min_shared_templates + 1)), 0.0, 1.0)
                out[lo:hi] = np.clip(cos, 0.0, 1.0)
            lo = hi
        return out

    def template_share(self, n_accounts: int, min_mean_volume: float = 0.0,
                       org_of: np.ndarray | None = None) -> np.ndarray:
        """Exchanges each account sent on shared templates whose senders average at
        least `min_mean_volume` exchanges on them (heavily sent: for behaviour), shape
        (n_accounts,). With `org_of` (per account index, a declared org's code, -1 for
        none), a template whose every sender declares one org is left out: a company's
        internal templates are its own workflow, as the org rule reads every identifier
        its accounts share only among themselves (`evidence.org_explained`)."""
        out = np.zeros(n_accounts)
        for (members, volume, _w), accounts in zip(self._template_entries, self._template_accounts):
            if not len(volume) or float(np.mean(volume)) < min_mean_volume:
                continue
            if org_of is not None and accounts <= len(members):
                orgs = org_of[members]
                if orgs[0] >= 0 and bool(np.all(orgs == orgs[0])):
                    continue
            np.add.at(out, members, volume)
        return out
