"""Regenerate the compressed and Parquet variants of the hand-written `tiny` world.

    python tests/worlds/make_variants.py

`tiny_gz/` holds the same CSVs gzipped, `tiny_parquet/` the same rows as Parquet
with every column as text (so the same rows are rejected for the same reasons).
The tests load all three and expect identical graphs and reject files.
"""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent


def main() -> None:
    src = HERE / "tiny"
    gz, parquet = HERE / "tiny_gz", HERE / "tiny_parquet"
    for out in (gz, parquet):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
    for csv_path in sorted(src.glob("*.csv")):
        with csv_path.open("rb") as fh, gzip.GzipFile(gz / (csv_path.name + ".gz"), "wb", mtime=0) as out:
            shutil.copyfileobj(fh, out)
        with csv_path.open() as fh:
            names = fh.readline().strip().split(",")
        table = pacsv.read_csv(
            csv_path,
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False),
        )
        pq.write_table(table, parquet / (csv_path.stem + ".parquet"))


if __name__ == "__main__":
    main()
