"""The README's configuration claims, through the binary: a YAML file (--config or PRESCALE_CONFIG),
flags over the environment over the file, unknown keys refused, `--log-format json`, and exit status
exactly 1 for a bad setting."""
import json
import subprocess

from conftest import ScalerProcess, _binary, free_port, wait_for


def serve(*args, env=None, timeout=30):
    return subprocess.run([str(_binary()), "serve", *args], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", **(env or {})})


def test_a_bad_setting_exits_with_status_exactly_1_naming_it(tmp_path):
    result = serve("--grpc-address", "nowhere")
    assert result.returncode == 1, result
    config = tmp_path / "config.yaml"
    config.write_text("max-triggers: lots\n")
    result = serve("--config", str(config))
    assert result.returncode == 1 and "max-triggers" in result.stderr, result.stderr


def test_unknown_keys_in_the_file_are_errors_naming_them(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("max-trigers: 10\n")
    result = serve("--config", str(config))
    assert result.returncode == 1 and "max-trigers" in result.stderr, result.stderr
    # The same file named by PRESCALE_CONFIG instead of --config is read as well.
    result = serve(env={"PRESCALE_CONFIG": str(config)})
    assert result.returncode == 1 and "max-trigers" in result.stderr, result.stderr


def test_flags_override_the_environment_which_overrides_the_file(tmp_path):
    config = tmp_path / "config.yaml"
    http_port = free_port()
    # The file asks for a port the environment overrides; the environment asks for a log level the flag overrides.
    config.write_text(f"http-address: 127.0.0.1:{free_port()}\nlog-level: error\nmax-trigger-series: 7\n")
    env = {"PRESCALE_CONFIG": str(config), "PRESCALE_HTTP_ADDRESS": f"127.0.0.1:{http_port}", "PRESCALE_LOG_LEVEL": "critical"}
    process = subprocess.Popen([str(_binary()), "serve", f"--grpc-address=127.0.0.1:{free_port()}", "--log-level=info"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={"PATH": "/usr/bin:/bin", **env})
    try:
        import urllib.request

        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/readyz", timeout=2) as r:
                    return r.status == 200 or None
            except OSError:
                return None

        wait_for("the environment's http-address serves /readyz", ready, timeout=30, interval=0.1)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    # --log-level=info (the flag) beat critical (the environment) and error (the file): info lines appear.
    assert " info prescale: " in output, output


def test_log_format_json_is_one_object_per_line(tmp_path):
    scaler = ScalerProcess("--log-format=json", "--log-level=info")
    assert scaler.terminate() == 0
    lines = [line for line in scaler.output().splitlines() if line.strip()]
    assert len(lines) >= 2, lines
    for line in lines:
        record = json.loads(line)
        assert {"level", "message"} <= set(record), record
    assert any("starting" in json.loads(line)["message"] for line in lines)


def test_the_readme_table_and_serve_help_list_exactly_the_settings(tmp_path):
    """Every setting is documented once in the README's table and offered by `serve --help`, and neither
    lists a flag the binary does not take."""
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = set()
    for line in readme.splitlines():
        if line.startswith("| `--"):
            first_cell = line.split("|")[1]
            table.update(re.findall(r"`--([a-z0-9-]+)`", first_cell))
    help_text = subprocess.run([str(_binary()), "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    offered = set(re.findall(r"^\s+--([a-z0-9-]+)", help_text, re.MULTILINE)) - {"help", "config", "version"}
    # The config file rejects unknown keys and lists the known ones: the binary's own list of settings.
    config = tmp_path / "config.yaml"
    config.write_text("no-such-setting: 1\n")
    rejected = serve("--config", str(config))
    known = set(re.search(r"known keys: (.*)$", rejected.stderr.strip()).group(1).split(", "))
    assert table == known, f"README only: {sorted(table - known)}; settings only: {sorted(known - table)}"
    assert offered == known, f"--help only: {sorted(offered - known)}; settings only: {sorted(known - offered)}"


HELP_DEFAULT = r"\(default ([^\s;)]+?)(?=[;)]|, |: )"


def readme_defaults(readme):
    """{flag: the README table's default cell} for rows of one flag."""
    import re

    out = {}
    for line in readme.splitlines():
        if line.startswith("| `--"):
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            flags = re.findall(r"`--([a-z0-9-]+)`", cells[0])
            if len(flags) == 1:
                out[flags[0]] = cells[2]
    return out


def help_defaults(help_text):
    """{flag: the literal default its `serve --help` line names} (settings whose default is prose are left out)."""
    import re

    out = {}
    for match in re.finditer(r"^  --([a-z0-9-]+) <value>\n((?:        .*\n?)+)", help_text, re.MULTILINE):
        text = " ".join(line.strip() for line in match.group(2).splitlines())
        literal = re.search(HELP_DEFAULT, text)
        if literal:
            out[match.group(1)] = literal.group(1)
    return out


def test_the_readme_table_gives_each_setting_the_default_the_binary_has():
    """The README's default column, cell by cell, against `serve --help`, whose defaults the Swift tests check
    against the code's (ServerConfigurationTests: giving the named default changes nothing)."""
    import pathlib

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    help_text = subprocess.run([str(_binary()), "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    documented, binary = readme_defaults(readme), help_defaults(help_text)
    assert len(binary) >= 25, binary
    wrong = {flag: (documented.get(flag), f"`{default}`") for flag, default in binary.items() if documented.get(flag) != f"`{default}`"}
    assert wrong == {}, f"README default vs the binary's: {wrong}"
    # A README whose default drifted is caught.
    drifted = readme.replace("| `PRESCALE_MAX_TRIGGERS` | `10000` |", "| `PRESCALE_MAX_TRIGGERS` | `20000` |")
    assert readme_defaults(drifted)["max-triggers"] != f"`{binary['max-triggers']}`"


def test_malloc_arenas_are_capped_unless_the_environment_says_otherwise_and_the_heap_is_trimmed():
    """glibc's arenas are capped at start-up (RSS under ScaledObject churn, docs/reliability.md); the cap is
    applied (mallopt accepted it) and logged, and MALLOC_ARENA_MAX still decides when it is set."""
    for env, expected in [({}, "mallocArenas=at most 4 "), ({"MALLOC_ARENA_MAX": "2"}, "mallocArenas=at most 2 (MALLOC_ARENA_MAX) ")]:
        process = subprocess.Popen([str(_binary()), "serve", f"--grpc-address=127.0.0.1:{free_port()}",
                                    f"--http-address=127.0.0.1:{free_port()}"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env={"PATH": "/usr/bin:/bin", **env})
        try:
            first = process.stdout.readline()
            assert expected in first, first
            # Free heap pages are handed back to the kernel periodically (malloc_trim).
            assert "heapTrim=every 30 s" in first, first
        finally:
            process.kill()
            process.wait()
