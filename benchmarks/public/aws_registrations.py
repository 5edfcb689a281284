"""Turn Amazon Fraud Detector's public sample sign-ups into a labelled RingScope world.

Source: https://github.com/aws-samples/aws-fraud-detector-samples (MIT-0), files
`data/registration_data_20K_minimum.csv` (20,000 sign-ups: `ip_address,
email_address, EVENT_TIMESTAMP, EVENT_LABEL`; 1,004 labelled fraud) and
`data/coldstart/registration_data_2K_coldstart.csv` (2,000 sign-ups, 1,200 of them
labelled, with `user_agent`, phone and billing fields besides). The data is not
copied into this repository: download a file and point this script at it.

    python benchmarks/public/aws_registrations.py registration_data_20K_minimum.csv /tmp/aws20k
    ringscope evaluate /tmp/aws20k --reset        # empties the database!

One row is one sign-up, so one account (`aws-000001`, in file order): `accounts.csv`
(`account_id, created_at, email`), `logins.csv` (the sign-up session: `account_id, ts,
ip`, and `user_agent` when the file has it) and `labels.csv`. The files say which
sign-ups are fraud, not who ran them: every fraud account gets the one `ring_id`
`fraud`, so read the account-level precision, recall and F1 (ring-level figures mean
nothing here). Rows without a label (the cold-start file's unlabelled part) are left
out: the evaluator would count them as legitimate; the summary says how many.

Needs pandas only.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

REQUIRED = ("ip_address", "email_address", "EVENT_TIMESTAMP", "EVENT_LABEL")


def convert(source: Path, out: Path) -> dict[str, int]:
    """Write `accounts.csv`, `logins.csv`, `labels.csv` under `out`; return counts.

    Raises ValueError when `source` lacks one of REQUIRED's columns."""
    rows = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in rows.columns]
    if missing:
        raise ValueError(f"{source}: no column {', '.join(missing)} (is this an Amazon Fraud Detector registration file?)")
    label = rows["EVENT_LABEL"].str.strip().str.lower()
    unlabelled = int((label == "").sum())
    rows, label = rows[label != ""].reset_index(drop=True), label[label != ""].reset_index(drop=True)
    ids = [f"aws-{i:06d}" for i in range(1, len(rows) + 1)]
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"account_id": ids, "created_at": rows["EVENT_TIMESTAMP"], "email": rows["email_address"]}).to_csv(
        out / "accounts.csv", index=False)
    logins = pd.DataFrame({"account_id": ids, "ts": rows["EVENT_TIMESTAMP"], "ip": rows["ip_address"]})
    if "user_agent" in rows.columns:
        logins["user_agent"] = rows["user_agent"]
    logins.to_csv(out / "logins.csv", index=False)
    pd.DataFrame({"account_id": ids, "ring_id": (label == "fraud").map({True: "fraud", False: ""}),
                  "role": label}).to_csv(out / "labels.csv", index=False)
    return {"accounts": len(rows), "fraud": int((label == "fraud").sum()), "legit": int((label == "legit").sum()),
            "unlabelled": unlabelled}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="an Amazon Fraud Detector registration CSV")
    parser.add_argument("out", type=Path, help="the world directory to write")
    args = parser.parse_args(argv)
    try:
        counts = convert(args.source, args.out)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: {counts['accounts']:,} accounts, {counts['fraud']:,} fraud, {counts['legit']:,} legit "
          f"({counts['unlabelled']:,} unlabelled rows left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
