"""World sizes. A preset is a starting point; every field can be overridden from the
CLI (``--accounts``, ``--operator-accounts``, ``--rings``, ...)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ringscope.errors import RingScopeError


#: the share of its ring's private template set a template_only account sends (low, high)
DEFAULT_TEMPLATE_SHARE = (0.25, 0.6)


@dataclass(frozen=True)
class WorldConfig:
    name: str
    legit_accounts: int
    operator_accounts: int
    rings: int
    days: int
    #: mean exchanges per legitimate account over the window (heavy-tailed around it)
    legit_exchanges_per_account: float
    #: total exchanges by all operator accounts over the window (expected value; the
    #: generator aims 3% above so the realised total clears it)
    operator_exchanges: int
    exchanges_format: str = "parquet"  # parquet | csv
    compress_csv: bool = False  # write small files as .csv.gz
    seed: int = 7
    # ---- operator tradecraft knobs (the robustness matrix); defaults give the classic mix
    #: ring tradecrafts to plan with, evenly mixed; empty: the classic five (MIX in operators.py)
    tradecrafts: tuple[str, ...] = ()
    #: operators' volume, hours of day and output lengths drawn from legitimate accounts'
    human_traffic: bool = False
    #: every ring account has its own card and device (nothing shared inside a ring)
    own_cards_devices: bool = False
    #: the share of its ring's private set each template_only account sends (low, high):
    #: two members sending shares s of one set meet at a template-mix cosine of about s
    template_share: tuple[float, float] = DEFAULT_TEMPLATE_SHARE
    #: write exchanges.parquet/csv; False gives an identifier-only world
    exchanges: bool = True
    #: write logins.csv (console sessions: devices and login addresses)
    logins: bool = True
    # ---- continuous operation (issue 16); defaults leave every world as it was
    #: rings whose operator is enforced against during the window (their accounts stop)
    #: and comes back days later with fresh accounts (labels role `returning`, ring id
    #: `<old ring id>_r`) reusing some of the old ring's cards, devices or private templates
    returning_rings: int = 0
    #: what a comeback takes from its old ring: "some" (at least one of its cards, devices
    #: or private template set) or "none" (fresh cards, devices and templates: only its
    #: operator's habits, which detection can find only as a new ring)
    returning_reuse: str = "some"
    #: write the world as daily export files (`exchanges_2026-03-14.parquet`, ...) instead
    #: of one file per kind (seed_data/daily.py)
    daily: bool = False

    def scaled(self, factor: float) -> "WorldConfig":
        return replace(
            self,
            legit_exchanges_per_account=self.legit_exchanges_per_account * factor,
            operator_exchanges=int(round(self.operator_exchanges * factor)),
        )

    def validate(self) -> None:
        if self.legit_accounts < 200:
            raise RingScopeError(f"--accounts {self.legit_accounts} is too small: use at least 200 legitimate accounts")
        if self.rings < 1:
            raise RingScopeError("--rings must be at least 1")
        if self.operator_accounts < 5 * self.rings:
            raise RingScopeError(
                f"{self.operator_accounts} operator accounts cannot fill {self.rings} rings of at least 5: "
                "raise --operator-accounts or lower --rings"
            )
        if not 3 <= self.days <= 366:
            raise RingScopeError("--days must be between 3 and 366")
        if self.exchanges_format not in ("parquet", "csv"):
            raise RingScopeError("--exchanges-format must be parquet or csv")
        if not 0 <= self.returning_rings <= self.rings:
            raise RingScopeError(f"--returning-rings must be between 0 and the number of rings ({self.rings})")
        if self.returning_reuse not in ("some", "none"):
            raise RingScopeError("--returning-reuse must be some or none")
        if self.returning_rings and self.days < 10:
            raise RingScopeError("--returning-rings needs a window of at least 10 days (--days): enforcement, "
                                 "a pause and the operator's return must fit in it")
        low, high = self.template_share
        if not 0 < low <= high <= 1:
            raise RingScopeError("--template-share must be LOW,HIGH with 0 < LOW <= HIGH <= 1 (e.g. 0.08,0.2)")
        unknown = [t for t in self.tradecrafts if t not in TRADECRAFT_NAMES]
        if unknown:
            raise RingScopeError(f"unknown tradecraft {', '.join(unknown)}: choose from {', '.join(TRADECRAFT_NAMES)}")


PRESETS: dict[str, WorldConfig] = {
    # small enough to commit (< 10 MB) and to load in seconds; every confounder and
    # every tradecraft is present
    "demo": WorldConfig("demo", legit_accounts=3_700, operator_accounts=300, rings=8, days=14,
                        legit_exchanges_per_account=22, operator_exchanges=110_000),
    "medium": WorldConfig("medium", legit_accounts=97_000, operator_accounts=3_000, rings=40, days=28,
                          legit_exchanges_per_account=25, operator_exchanges=3_000_000),
    # the size of the real incident: 25,000 operator accounts, >= 28.8M exchanges by them
    "incident": WorldConfig("incident", legit_accounts=1_000_000, operator_accounts=25_000, rings=120, days=28,
                            legit_exchanges_per_account=15, operator_exchanges=28_800_000),
}


#: every ring tradecraft the generator knows (operators.py builds each)
TRADECRAFT_NAMES = ("bulk", "careful", "hub_spoke", "small", "camouflage", "template_only", "front_org")

#: named operator behaviours (`ringscope seed --scenario`), each a set of knob values;
#: options given on the command line override them. None of them touches the
#: legitimate population: the confounders are the same in every scenario.
SCENARIOS: dict[str, dict] = {
    # the classic mix: bulk, careful, hub_spoke, small, camouflage, scripted traffic
    "standard": {},
    # the same rings, but every operator account's volume, hours and output lengths
    # are drawn from legitimate accounts' (issue 11, failure 1)
    "human_traffic": {"human_traffic": True},
    # the same rings, but no card or device is shared inside a ring
    "own_cards_devices": {"own_cards_devices": True},
    # rings tied only by a private template set and a residential proxy pool (failure 2)
    "template_only": {"tradecrafts": ("template_only",)},
    # the same, each account sending a thin slice (8-20%) of its ring's private set:
    # members' template mixes barely overlap pairwise (the held-out medium world's ring)
    "template_thin": {"tradecrafts": ("template_only",), "template_share": (0.08, 0.2)},
    # a front org on part of the ring, cards shared in pairs, one hosting hub (failure 3)
    "front_org": {"tradecrafts": ("front_org",)},
    # sign-up and payment exports only (failure 4): accounts, cards, logins, ip_intel
    "identifiers_only": {"exchanges": False},
    # accounts and cards only: no exchanges and no logins
    "identifiers_only_no_logins": {"exchanges": False, "logins": False},
}


def resolve(preset: str, seed: int, scenario: str | None = None, **overrides) -> WorldConfig:
    """The preset's sizes, then the scenario's knobs, then explicit overrides (None: not given)."""
    if preset not in PRESETS:
        raise RingScopeError(f"unknown preset {preset!r}: choose one of {', '.join(PRESETS)}")
    if scenario is not None and scenario not in SCENARIOS:
        raise RingScopeError(f"unknown scenario {scenario!r}: choose one of {', '.join(SCENARIOS)}")
    cfg = replace(PRESETS[preset], seed=seed, **SCENARIOS.get(scenario or "standard", {}))
    scale = overrides.pop("exchanges_scale", None)
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    if scale is not None:
        if scale <= 0:
            raise RingScopeError("--exchanges-scale must be positive")
        cfg = cfg.scaled(scale)
    cfg.validate()
    return cfg
