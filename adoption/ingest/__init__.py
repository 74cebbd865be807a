"""Ingest input files into a workspace's store, one batch per file."""

from adoption.ingest.batch import IngestResult, ingest_file, ingest_files
from adoption.ingest.columns import KINDS, detect_kind

__all__ = ["KINDS", "IngestResult", "detect_kind", "ingest_file", "ingest_files"]
