"""Evidence bundles for enforcement: one folder per ring with the accounts, the shared
identifiers, the evidence and audit history, an offline graph snapshot, one enforcement
action per account and a manifest of SHA-256 hashes that `ringscope verify` checks.

The app and the CLI call the same three functions::

    export_rings(out_dir, status="confirmed", ring_id=None, by=auth.cli_identity("alice")) -> list[BundleInfo]
    list_exports() -> list[ExportRecord]
    verify_bundle(path) -> VerifyResult

and the app's download: `bundle_zip(folder) -> bytes` (the bundle and its manifest, checked
first), `ring_bundle(ring_id)` (the bundle a ring has under the export folder),
`bundle_standing(manifest_sha256, ring_status)` (whether the graph says it is superseded).
"""
from .bundle import BundleExists, BundleInfo, ExportRecord, bundle_zip, default_out_dir, export_rings, list_exports, ring_bundle
from .verify import Standing, VerifyResult, bundle_standing, verify_bundle

__all__ = [
    "BundleExists",
    "BundleInfo",
    "Standing",
    "bundle_standing",
    "bundle_zip",
    "ring_bundle",
    "ExportRecord",
    "VerifyResult",
    "default_out_dir",
    "export_rings",
    "list_exports",
    "verify_bundle",
]
