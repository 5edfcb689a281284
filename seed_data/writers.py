"""Deterministic file sinks: the same data gives the same bytes.

CSV through pyarrow, optionally gzip with a zeroed header timestamp and no file
name; Parquet with fixed writer options (zstd, Parquet's own dictionary encoding,
one row group per generator chunk) and without the embedded Arrow schema, so the
file carries nothing but the data and the writer version.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def _plain_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(t):
        return t.value_type
    if pa.types.is_timestamp(t):
        return pa.string()
    return t


def _iso(col: pa.Array) -> pa.Array:
    """Timestamps as ISO-8601 UTC with a Z (millisecond precision), the contract's CSV form."""
    ms = col.cast(pa.int64()).to_numpy() // 1000
    s = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
    return pa.array(np.char.add(s, "Z"))


class CsvSink:
    def __init__(self, path: Path, schema: pa.Schema, gz: bool = False):
        self.path = Path(str(path) + (".gz" if gz else ""))
        self._raw = open(self.path, "wb")
        self._fh = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6) if gz else self._raw
        # pyarrow writes dictionary columns decoded; strings are quoted only when needed
        plain = pa.schema([pa.field(f.name, _plain_type(f.type)) for f in schema])
        self.schema = plain
        self._w = pacsv.CSVWriter(self._fh, plain, write_options=pacsv.WriteOptions(quoting_style="needed"))
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        cols = []
        for f, col in zip(self.schema, batch.columns):
            if pa.types.is_dictionary(col.type):
                col = col.dictionary_decode()
            if pa.types.is_timestamp(col.type):
                col = _iso(col)
            cols.append(col.cast(f.type))
        self._w.write_batch(pa.RecordBatch.from_arrays(cols, schema=self.schema))
        self.rows += batch.num_rows

    def close(self) -> None:
        self._w.close()
        if self._fh is not self._raw:
            self._fh.close()
        self._raw.close()


class ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema):
        self.path = Path(path)
        self._w = pq.ParquetWriter(
            self.path, schema, compression="zstd", compression_level=3, use_dictionary=True,
            write_statistics=True, version="2.6", store_schema=False,
        )
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        # one row group per generator chunk keeps memory bounded on both sides
        self._w.write_table(pa.Table.from_batches([batch]), row_group_size=batch.num_rows + 1)
        self.rows += batch.num_rows

    def close(self) -> None:
        self._w.close()


def write_csv(path: Path, table: pa.Table, gz: bool = False) -> tuple[Path, int]:
    sink = CsvSink(path, table.schema, gz)
    for batch in table.to_batches(max_chunksize=500_000):
        sink.write(batch)
    sink.close()
    return sink.path, table.num_rows
