"""The evidence bundle: build it (``build``), check it (``verify_bundle``), seal it for sending (``seal``)."""

from __future__ import annotations

from nocontact.bundle.build import BundleInfo, BundleOptions, build_bundle

__all__ = ["BundleInfo", "BundleOptions", "build_bundle"]
