"""The address space of the generated internet, and what `ip_intel` knows about it.

Accounts never hold addresses directly: they hold up to four *slots*, each pointing
at a *pool* of addresses (a household's home IP, a carrier's CGNAT egress pool, a
campus NAT, a VPN provider's exits, a ring's proxy list). Pools are what make
unrelated accounts share addresses, which is the confounder naive IP linking
falls for. Residential-proxy pools deliberately reuse real household addresses.

`ip_intel` is built while networks are allocated and is incomplete on purpose:
some networks have no row, some rows have no `kind`, and most proxy/VPN exits are
unknown (intel vendors only ever know a fraction).
"""
from __future__ import annotations

import ipaddress

import numpy as np

# (country, weight, UTC offsets in minutes it spans)
COUNTRIES = [
    ("US", 26, (-300, -360, -420, -480)), ("IN", 9, (330,)), ("GB", 6, (0,)), ("DE", 6, (60,)),
    ("FR", 4, (60,)), ("BR", 5, (-180,)), ("JP", 4, (540,)), ("CA", 4, (-300, -480)), ("KR", 3, (540,)),
    ("AU", 3, (600, 480)), ("NL", 2, (60,)), ("ES", 2, (60,)), ("PL", 2, (60,)), ("ID", 3, (420,)),
    ("MX", 3, (-360,)), ("NG", 2, (60,)), ("SG", 2, (480,)), ("TR", 2, (180,)), ("VN", 2, (420,)),
    ("PH", 2, (480,)), ("IT", 3, (60,)), ("SE", 1, (60,)), ("ZA", 1, (120,)), ("EG", 1, (120,)),
    ("AR", 1, (-180,)), ("IL", 1, (120,)), ("CN", 2, (480,)), ("RU", 1, (180,)),
]
COUNTRY_CODES = [c for c, _, _ in COUNTRIES]
COUNTRY_W = np.array([w for _, w, _ in COUNTRIES], float) / sum(w for _, w, _ in COUNTRIES)

_ISP_SUFFIX = ["Telecom", "Broadband", "Cable", "Fiber", "Net", "Communications"]
_BAD_FIRST_OCTETS = {0, 10, 100, 127, 169, 172, 192, 198, 203} | set(range(224, 256))


class NetSpace:
    def __init__(self, rng: np.random.Generator, legit_accounts: int):
        self.rng = rng
        self._v4: list[np.ndarray] = []  # uint32 addresses, in raw-index order
        self._is_v6: list[np.ndarray] = []
        self._v6: dict[int, int] = {}  # raw index -> 128-bit int
        self.n_ips = 0
        self._members: list[np.ndarray] = []
        self._lens: list[np.ndarray] = []
        self.n_pools = 0
        self.intel: list[tuple] = []  # (network, asn, as_org, country, kind)
        firsts = [o for o in range(1, 224) if o not in _BAD_FIRST_OCTETS]
        cand = np.array([(a << 8) | b for a in firsts for b in range(256)], dtype=np.uint32)
        self._free16 = iter(rng.permutation(cand).tolist())
        self._asns = iter(rng.choice(np.arange(10_000, 65_000), size=20_000, replace=False).tolist())
        self._home_ips: list[np.ndarray] = []
        self._build_catalogue(legit_accounts)

    # ---- primitive allocation ------------------------------------------------------
    def block16(self) -> int:
        return next(self._free16) << 16

    def asn(self) -> int:
        return next(self._asns)

    def add_v4(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.uint32)
        idx = np.arange(self.n_ips, self.n_ips + len(values), dtype=np.int64)
        self._v4.append(values)
        self._is_v6.append(np.zeros(len(values), bool))
        self.n_ips += len(values)
        return idx

    def add_v6(self, prefix32: int, n: int) -> np.ndarray:
        """n addresses under a /32: a random /64 per subscriber and a random interface id."""
        sub = self.rng.integers(0, 1 << 32, size=n, dtype=np.int64)
        iid = self.rng.integers(1, 1 << 62, size=n, dtype=np.int64)
        idx = np.arange(self.n_ips, self.n_ips + n, dtype=np.int64)
        for i, s, d in zip(idx.tolist(), sub.tolist(), iid.tolist()):
            self._v6[i] = (prefix32 << 96) | (s << 64) | d
        self._v4.append(np.zeros(n, np.uint32))
        self._is_v6.append(np.ones(n, bool))
        self.n_ips += n
        return idx

    def add_pools(self, members: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        lengths = np.asarray(lengths, dtype=np.int64)
        ids = np.arange(self.n_pools, self.n_pools + len(lengths), dtype=np.int64)
        self._members.append(np.asarray(members, dtype=np.int64))
        self._lens.append(lengths)
        self.n_pools += len(lengths)
        return ids

    def pool(self, members: np.ndarray) -> int:
        return int(self.add_pools(members, [len(members)])[0])

    def sample_in(self, base: int, prefix: int, n: int) -> np.ndarray:
        size = 1 << (32 - prefix)
        return (base + self.rng.integers(1, size - 1, size=n)).astype(np.uint32)

    def _row(self, base: int, prefix: int, asn, org, country, kind) -> None:
        self.intel.append((f"{ipaddress.IPv4Address(base)}/{prefix}", asn, org, country, kind))

    # ---- the catalogue of networks ---------------------------------------------------
    def _build_catalogue(self, legit: int) -> None:
        rng = self.rng
        self.isps: dict[str, list[dict]] = {}
        self.carriers: dict[str, dict] = {}
        for ci, (cc, w, _) in enumerate(COUNTRIES):
            share = COUNTRY_W[ci]
            homes = legit * share * 0.6
            isps = []
            for k in range(2 if share > 0.015 else 1):
                name = f"{cc} {rng.choice(['Northwind', 'Meridian', 'Horizon', 'Keystone', 'Crescent', 'Summit', 'Unity', 'Pioneer'])} {_ISP_SUFFIX[k * 2 + int(rng.integers(0, 2))]}"
                nblocks = max(1, int(np.ceil(homes / 2 / 20_000)))
                isp = {"name": name, "asn": self.asn(), "cc": cc, "blocks": [self.block16() for _ in range(nblocks)],
                       "v6": int(0x2A00_0000 + int(rng.integers(0, 1 << 24))), "business": None}
                # incomplete intel: a few blocks unknown, one ISP's rows without a kind
                kind = "" if rng.random() < 0.08 else "residential"
                # the big markets' first ISP always has one block the vendor never mapped,
                # so even a small world has used addresses without any intel row
                unmapped = ci < 4 and k == 0
                for j, b in enumerate(isp["blocks"]):
                    if not (unmapped and j == 0) and rng.random() > 0.07:
                        self._row(b, 16, isp["asn"], name, cc, kind)
                self.intel.append((f"{ipaddress.IPv6Address(isp['v6'] << 96)}/32", isp["asn"], name, cc, kind))
                isps.append(isp)
            self.isps[cc] = isps
            # one mobile carrier per country: CGNAT puts ~100+ subscribers behind each egress IP
            mobile_users = max(1.0, legit * share * 0.25)
            base = self.block16()
            cname = f"{cc} Mobile {rng.choice(['One', 'Plus', 'Go', 'Wave', 'Link'])}"
            cgnat = self.add_v4(self.sample_in(base, 16, max(8, int(mobile_users / 120))))
            car = {"name": cname, "asn": self.asn(), "cgnat": self.pool(cgnat), "v6": int(0x2A10_0000 + int(rng.integers(0, 1 << 24)))}
            # carriers in smaller markets are sometimes mapped without a kind
            self._row(base, 16, car["asn"], cname, cc, "" if ci >= 4 and rng.random() < 0.15 else "mobile")
            self.intel.append((f"{ipaddress.IPv6Address(car['v6'] << 96)}/32", car["asn"], cname, cc, "mobile"))
            self.carriers[cc] = car
        # clouds: region NAT egress pools are shared by every customer behind them
        self.cloud_regions = []
        for name, cc in [("Nimbus Cloud", "US"), ("Stratus Compute", "US"), ("Cirrus Hosting", "DE")]:
            asn = self.asn()
            for _ in range(3):
                base = self.block16()
                self._row(base, 16, asn, name, cc, "hosting")
                # serverless/notebook egress: a handful of addresses per region for thousands of tenants
                nat = self.add_v4(self.sample_in(base, 16, int(rng.integers(6, 24))))
                self.cloud_regions.append({"base": base, "nat": self.pool(nat), "asn": asn})
        # VPN providers: exits live in hosting space; intel knows ~60% of exits as vpn
        self.vpns = []
        for name in ["Tunnelbear-like VPN", "PrivateLine VPN", "ShieldWay VPN"]:
            asn = self.asn()
            base = self.block16()
            self._row(base, 16, asn, f"{name.split()[0]} Hosting", "NL", "hosting")
            exits_v = self.sample_in(base, 16, int(np.clip(legit / 150 * rng.uniform(0.5, 1.5), 12, 400)))
            exits = self.add_v4(exits_v)
            for v in exits_v[rng.random(len(exits_v)) < 0.6]:
                self.intel.append((str(ipaddress.IPv4Address(int(v))), asn, name, "NL", "vpn"))
            self.vpns.append(self.pool(exits))
        # datacenter proxy sellers: rings buy subsets of these lists
        self.dc_proxy = []
        for name in ["FastProxy Networks", "DCRoute Ltd"]:
            asn = self.asn()
            base = self.block16()
            self._row(base, 16, asn, name, "US", "hosting" if rng.random() < 0.7 else "")
            vals = self.sample_in(base, 16, int(np.clip(legit / 2, 400, 3000)))
            ips = self.add_v4(vals)
            for v in vals[rng.random(len(vals)) < 0.35]:
                self.intel.append((str(ipaddress.IPv4Address(int(v))), asn, name, "US", "proxy"))
            self.dc_proxy.append(ips)

    # ---- allocations used by the population ----------------------------------------
    def homes(self, country_idx: np.ndarray, ips_per_home: np.ndarray) -> np.ndarray:
        """One pool per home: 1-2 residential addresses (dynamic re-assignment), ~12% IPv6."""
        rng = self.rng
        n = len(country_idx)
        ips_per_home = np.asarray(ips_per_home, dtype=np.int64)
        total = int(ips_per_home.sum())
        owner_country = np.repeat(country_idx, ips_per_home)
        raw = np.empty(total, np.int64)
        v6 = rng.random(total) < 0.12
        vals = np.empty(total, np.uint32)
        isp_pick = rng.integers(0, 2, size=total)
        blk_u = rng.random(total)
        off = rng.integers(1, 65_535, size=total)
        for ci, cc in enumerate(COUNTRY_CODES):
            m = owner_country == ci
            if not m.any():
                continue
            isps = self.isps[cc]
            which = isp_pick[m] % len(isps)
            bases = np.empty(int(m.sum()), np.int64)
            for k, isp in enumerate(isps):
                mk = which == k
                blocks = np.array(isp["blocks"], np.int64)
                bases[mk] = blocks[(blk_u[m][mk] * len(blocks)).astype(int)]
            vals[m] = (bases + off[m]).astype(np.uint32)
            mv6 = m & v6
            if mv6.any():
                isp = isps[0]
                raw[mv6] = self.add_v6(isp["v6"], int(mv6.sum()))
        m4 = ~v6
        raw[m4] = self.add_v4(vals[m4])
        self._home_ips.append(raw[m4])
        return self.add_pools(raw, ips_per_home) if n else np.empty(0, np.int64)

    def mobile(self, country_idx: np.ndarray) -> np.ndarray:
        """Pool per subscriber: the carrier's shared CGNAT pool, or (~25%) an IPv6 address."""
        out = np.empty(len(country_idx), np.int64)
        v6 = self.rng.random(len(country_idx)) < 0.25
        for ci, cc in enumerate(COUNTRY_CODES):
            m = country_idx == ci
            if not m.any():
                continue
            car = self.carriers[cc]
            out[m & ~v6] = car["cgnat"]
            k = int((m & v6).sum())
            if k:
                out[m & v6] = self.add_pools(self.add_v6(car["v6"], k), np.ones(k, np.int64))
        return out

    def cloud_nat(self, n: int) -> np.ndarray:
        regions = self.rng.integers(0, len(self.cloud_regions), size=n)
        return np.array([self.cloud_regions[r]["nat"] for r in regions], np.int64)

    def cloud_dedicated(self, n: int, per: int = 1) -> np.ndarray:
        """n pools of `per` dedicated VM addresses each, inside cloud regions."""
        regions = self.rng.integers(0, len(self.cloud_regions), size=n * per)
        vals = np.array([self.cloud_regions[r]["base"] for r in regions], np.int64) + self.rng.integers(1, 65_535, size=n * per)
        return self.add_pools(self.add_v4(vals.astype(np.uint32)), np.full(n, per))

    def vpn(self, n: int) -> np.ndarray:
        return np.array(self.vpns, np.int64)[self.rng.integers(0, len(self.vpns), size=n)]

    def office(self, cc: str, company: str) -> int:
        """A company office: a /28 inside its ISP's business range, 1-8 NAT addresses."""
        isp = self.isps[cc][0]
        if isp["business"] is None:
            isp["business"] = [self.block16(), 0]
            if self.rng.random() < 0.5:
                self._row(isp["business"][0], 16, isp["asn"], isp["name"] + " Business", cc, "")
        base = isp["business"][0] + 16 * (isp["business"][1] % 4000)
        isp["business"][1] += 1
        u = self.rng.random()
        if u < 0.55:
            self._row(base, 28, isp["asn"], company, cc, "corporate")
        elif u < 0.75:
            self._row(base, 28, isp["asn"], company, cc, "")
        k = int(self.rng.integers(1, 9))
        vals = base + 1 + self.rng.choice(14, size=k, replace=False)
        return self.pool(self.add_v4(vals.astype(np.uint32)))

    def campus(self, cc: str, name: str) -> int:
        base = self.block16()
        self._campuses = getattr(self, "_campuses", 0) + 1
        known = self._campuses == 1 or self.rng.random() < 0.85  # most universities are mapped
        self._row(base, 16, self.asn(), name, cc, "education" if known else "")
        return self.pool(self.add_v4(self.sample_in(base, 20, int(self.rng.integers(2, 17)))))

    def dc_proxy_pool(self, size: int) -> int:
        src = self.dc_proxy[int(self.rng.integers(0, len(self.dc_proxy)))]
        return self.pool(self.rng.choice(src, size=min(size, len(src)), replace=False))

    def resi_proxy_pool(self, size: int, reuse: float) -> int:
        """Exits of a residential-proxy network: a share are addresses legitimate
        households in this world also use (the SDK runs on their devices); the rest
        are fresh residential addresses. Intel flags only ~15% of them as proxy."""
        rng = self.rng
        homes = np.concatenate(self._home_ips) if self._home_ips else np.empty(0, np.int64)
        n_reuse = min(int(size * reuse), len(homes))
        reused = rng.choice(homes, size=n_reuse, replace=False) if n_reuse else np.empty(0, np.int64)
        n_new = size - n_reuse
        cc_idx = rng.choice(len(COUNTRIES), size=n_new, p=COUNTRY_W)
        fresh_pools = self.homes(cc_idx, np.ones(n_new, np.int64))
        fresh = self.pool_members(fresh_pools)
        members = np.concatenate([reused, fresh])
        flagged = members[rng.random(len(members)) < 0.15]
        for raw in flagged.tolist():
            if raw not in self._v6:
                self.intel.append((self._v4_str(raw), "", "", "", "proxy"))
        return self.pool(members)

    # ---- read back -------------------------------------------------------------------
    def pool_members(self, pool_ids: np.ndarray) -> np.ndarray:
        off, lens, members = self.pool_arrays()
        return np.concatenate([members[off[p]: off[p] + lens[p]] for p in np.atleast_1d(pool_ids)])

    def pool_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(self._members) > 1:
            self._members = [np.concatenate(self._members)]
            self._lens = [np.concatenate(self._lens)]
        lens = self._lens[0]
        off = np.concatenate([[0], np.cumsum(lens)[:-1]])
        return off, lens, self._members[0]

    def _v4_str(self, raw: int) -> str:
        v4 = np.concatenate(self._v4) if len(self._v4) > 1 else self._v4[0]
        self._v4 = [v4]
        self._is_v6 = [np.concatenate(self._is_v6)]
        return str(ipaddress.IPv4Address(int(v4[raw])))

    def ip_strings(self) -> np.ndarray:
        v4 = np.concatenate(self._v4).astype(np.int64)
        out = np.empty(len(v4), dtype=object)
        a, b, c, d = (v4 >> 24) & 255, (v4 >> 16) & 255, (v4 >> 8) & 255, v4 & 255
        out[:] = [f"{w}.{x}.{y}.{z}" for w, x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), d.tolist())]
        for raw, val in self._v6.items():
            out[raw] = ipaddress.IPv6Address(val).compressed
        return out
