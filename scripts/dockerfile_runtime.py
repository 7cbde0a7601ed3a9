"""The Dockerfile's runtime stage, read in one place: scripts/build-image takes the image's configuration
from it (run as a script: one umoci argument per line), and the image and deploy tests compare against
it (imported).

    python3 scripts/dockerfile_runtime.py Dockerfile    # --config.label=..., --config.user=..., ...
"""
import json
import pathlib
import re
import shlex
import sys


def runtime_stage(dockerfile):
    """The text of the last stage (from its FROM line on), continuation lines joined."""
    text = pathlib.Path(dockerfile).read_text().replace("\\\n", " ")
    return re.split(r"^FROM ", text, flags=re.M)[-1]


def runtime_config(dockerfile):
    """The runtime stage's labels (a dict), USER, EXPOSE ports (as `port/proto`), ENTRYPOINT and CMD
    (exec-form lists): the image configuration the stage describes."""
    config = {"labels": {}, "user": None, "ports": [], "entrypoint": None, "cmd": None}
    for line in runtime_stage(dockerfile).splitlines():
        keyword, _, rest = line.strip().partition(" ")
        if keyword == "LABEL":
            config["labels"].update(pair.split("=", 1) for pair in shlex.split(rest))
        elif keyword == "USER":
            config["user"] = rest.strip()
        elif keyword == "EXPOSE":
            config["ports"] += [port if "/" in port else port + "/tcp" for port in rest.split()]
        elif keyword == "ENTRYPOINT":
            config["entrypoint"] = json.loads(rest)
        elif keyword == "CMD":
            config["cmd"] = json.loads(rest)
    return config


def umoci_arguments(config):
    """`umoci config` arguments for `config`, one per element."""
    arguments = []
    for pair in (f"{key}={value}" for key, value in config["labels"].items()):
        arguments += [f"--config.label={pair}", f"--manifest.annotation={pair}"]
    if config["user"] is not None:
        arguments.append(f"--config.user={config['user']}")
    arguments += [f"--config.exposedports={port}" for port in config["ports"]]
    arguments += [f"--config.entrypoint={word}" for word in config["entrypoint"] or []]
    arguments += [f"--config.cmd={word}" for word in config["cmd"] or []]
    return arguments


if __name__ == "__main__":
    for argument in umoci_arguments(runtime_config(sys.argv[1])):
        print(argument)
