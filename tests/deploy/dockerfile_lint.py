"""A small Dockerfile linter for the rules we care about (hadolint is Haskell and cannot be
built here): pinned bases, non-root numeric USER, HEALTHCHECK, OCI labels, a multi-stage
build whose final stage carries no compilers, hashed Python installs."""

import re
import shlex
from dataclasses import dataclass, field

OCI_LABELS = {"title", "description", "source", "version", "revision", "licenses"}
COMPILERS = re.compile(
    r"\b(gcc|g\+\+|clang|build-essential|make|cargo|rustc|golang|node|npm|bun)\b"
)


@dataclass
class Stage:
    base: str
    alias: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    result: list[Stage] = []
    for word, rest in instructions(text):
        if word == "ARG" and not result:
            name, _, default = rest.partition("=")
            args[name] = default
        elif word == "FROM":
            parts = rest.split()
            parts = [p for p in parts if not p.startswith("--platform")]
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), parts[0])
            alias = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else ""
            result.append(Stage(base, alias))
        elif result:
            result[-1].instructions.append((word, rest))
    return args, result


def pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    # A full version in the tag (3.11.14-slim-bookworm), never latest or a bare major.
    return bool(name) and "/" not in tag and re.match(r"^\d+\.\d+\.\d+", tag) is not None


def lint(text: str) -> list[str]:
    problems: list[str] = []
    _, all_stages = stages(text)
    if len(all_stages) < 2:
        return ["not a multi-stage build"]
    aliases = {s.alias for s in all_stages if s.alias}
    for stage in all_stages:
        if stage.base not in aliases and not pinned(stage.base):
            problems.append(f"base image not pinned to a version or digest: {stage.base}")
    final = all_stages[-1]
    words = [w for w, _ in final.instructions]
    users = [rest for w, rest in final.instructions if w == "USER"]
    if not users:
        problems.append("final stage has no USER")
    elif not re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]):
        problems.append(f"final USER must be a non-root numeric uid[:gid], not {users[-1]!r}")
    if "HEALTHCHECK" not in words:
        problems.append("final stage has no HEALTHCHECK")
    labels = " ".join(rest for w, rest in final.instructions if w == "LABEL")
    missing = {k for k in OCI_LABELS if f"org.opencontainers.image.{k}=" not in labels}
    if missing:
        problems.append(f"missing OCI labels: {sorted(missing)}")
    for word, rest in final.instructions:
        if word == "RUN" and COMPILERS.search(rest):
            problems.append(f"final stage installs or runs a build tool: {rest}")
        if word == "COPY" and "--from=" not in rest and COMPILERS.search(rest):
            problems.append(f"final stage copies a build tool: {rest}")
    for stage in all_stages:
        for word, rest in stage.instructions:
            if word == "ADD" and re.search(r"https?://", rest):
                problems.append(f"ADD of a URL (unverified download): {rest}")
            if word == "RUN" and re.search(r"\|\s*(ba)?sh\b", rest):
                problems.append(f"piping a download into a shell: {rest}")
            if word == "RUN" and re.search(r"\bpip install\b", rest):
                tokens = shlex.split(rest.replace("&&", " && "))
                if "-r" in tokens and "--require-hashes" not in tokens:
                    problems.append(f"pip install -r without --require-hashes: {rest}")
            if word == "ENV" and re.search(r"(PASSWORD|SECRET|TOKEN)\w*=", rest, re.I):
                problems.append(f"secret-looking ENV baked into the image: {rest}")
    return problems
