"""Leave-one-family-out: the same world with one family of identifiers removed, as
the interchange contract (`/work/shared/spec/interchange.md`) allows a real export
to lack it. Used by the robustness matrix (`ringscope evaluate --matrix`) to see
what detection still finds when a family is missing, and by `ringscope seed
--drop-family`.

| family | what is removed | why this way |
|---|---|---|
| cards | the `payment_instruments` file | the whole file is optional |
| devices | `device_id` and `user_agent` of `logins` | optional columns |
| ips | `ip` of `exchanges`, the `ip_intel` file, and every login address replaced by one address of the account's own in the IPv6 documentation range `2001:db8::/32` | `ip` is a required column of `logins`: an address per account keeps the file (and its devices) valid while no address links two accounts |
| templates | `prompt_fingerprint` of `exchanges` | optional column |
| emails | `email` of `accounts` | optional column |

`labels` is copied unchanged: ground truth does not depend on what an export holds.
"""
from __future__ import annotations

import hashlib
import ipaddress
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ringscope.errors import RingScopeError

from .writers import write_csv

FAMILIES = ("cards", "devices", "ips", "templates", "emails")
KINDS = ("accounts", "payment_instruments", "logins", "exchanges", "ip_intel", "labels")
_EXTS = (".parquet", ".csv.gz", ".csv")
_DOC_NET = int(ipaddress.IPv6Address("2001:db8::"))


def _find(world: Path, kind: str) -> Path | None:
    for ext in _EXTS:
        p = world / f"{kind}{ext}"
        if p.is_file():
            return p
    return None


def own_address(account_id: str) -> str:
    """An address only this account uses: 2001:db8::/32 (RFC 3849, documentation) plus
    a hash of the account id, so it can never be a real or a shared address."""
    h = int.from_bytes(hashlib.sha256(account_id.encode()).digest()[:12], "big")
    return ipaddress.IPv6Address(_DOC_NET | h).compressed


def drop_families(src: str | Path, dst: str | Path, families: list[str] | tuple[str, ...]) -> Path:
    """Copy the world in `src` to `dst` without the identifier `families` (names from
    FAMILIES). `dst` may equal `src` (rewritten in place). Returns `dst`.
    Raises RingScopeError for an unknown family or a folder that is not a world."""
    src, dst = Path(src), Path(dst)
    bad = [f for f in families if f not in FAMILIES]
    if bad:
        raise RingScopeError(f"unknown identifier family {', '.join(bad)}: choose from {', '.join(FAMILIES)}")
    if _find(src, "accounts") is None:
        raise RingScopeError(f"{src} holds no accounts file: give the folder of a world")
    fam = set(families)
    dst.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        path = _find(src, kind)
        if path is None:
            continue
        out = dst / path.name
        drop_cols: set[str] = set()
        if kind == "payment_instruments" and "cards" in fam or kind == "ip_intel" and "ips" in fam:
            if out.exists():
                out.unlink()
            continue
        if kind == "logins" and "devices" in fam:
            drop_cols |= {"device_id", "user_agent"}
        if kind == "exchanges":
            drop_cols |= {"ip"} if "ips" in fam else set()
            drop_cols |= {"prompt_fingerprint"} if "templates" in fam else set()
        if kind == "accounts" and "emails" in fam:
            drop_cols |= {"email"}
        own_ips = kind == "logins" and "ips" in fam
        if not drop_cols and not own_ips:
            if out.resolve() != path.resolve():
                shutil.copyfile(path, out)
            continue
        _rewrite(path, out, drop_cols, own_ips)
    return dst


def _rewrite(path: Path, out: Path, drop_cols: set[str], own_ips: bool) -> None:
    """Rewrite one file without `drop_cols` (and with per-account login addresses),
    Parquet row group by row group so a large exchanges file never sits in memory."""
    tmp = out.with_name(out.name + ".tmp")

    def transform(t: pa.Table) -> pa.Table:
        t = t.drop_columns([c for c in drop_cols if c in t.column_names])
        if own_ips and "ip" in t.column_names:
            ips = pa.array([own_address(a) for a in t.column("account_id").to_pylist()], pa.string())
            t = t.set_column(t.column_names.index("ip"), "ip", ips)
        return t

    if path.suffix == ".parquet":
        f = pq.ParquetFile(path)
        writer = None
        for i in range(f.num_row_groups):
            t = transform(f.read_row_group(i))
            if writer is None:
                writer = pq.ParquetWriter(tmp, t.schema, compression="zstd")
            writer.write_table(t)
        if writer is None:
            pq.write_table(transform(f.schema_arrow.empty_table()), tmp)
        else:
            writer.close()
    else:
        # every column read as text: identifiers stay byte for byte, empty cells empty
        names = pacsv.open_csv(path).schema.names
        convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False)
        t = transform(pacsv.read_csv(path, convert_options=convert))
        tmp, _ = write_csv(tmp, t, gz=path.name.endswith(".gz"))  # gz: the name gains .gz
    tmp.replace(out)
