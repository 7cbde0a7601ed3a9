"""What the image tests share: where scripts/test-image left the image (PRESCALE_IMAGE), the wrapper that
runs `prescale` from its root filesystem, and the conformance suite's ScalerProcess (which starts
PRESCALE_BIN), loaded under its own module name."""
import importlib.util
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMAGE = pathlib.Path(os.environ.get("PRESCALE_IMAGE", ROOT / ".build" / "image"))
WRAPPER = IMAGE / "prescale-in-image"
ROOTFS = IMAGE / "unpacked" / "rootfs"


def runtime_config(dockerfile):
    """scripts/dockerfile_runtime.py's reading of the Dockerfile's runtime stage (what build-image uses)."""
    return _module("dockerfile_runtime", ROOT / "scripts" / "dockerfile_runtime.py").runtime_config(dockerfile)


def _module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def conformance():
    """Tests/conformance/conftest.py as the module `conformance_conftest`."""
    return _module("conformance_conftest", ROOT / "Tests" / "conformance" / "conftest.py")
