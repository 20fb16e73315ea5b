"""Writes one `## ...` section of bench/RESULTS.md, replacing the section with the same heading if there is one."""
import os


def replace_section(path, section):
    heading = section.splitlines()[0]
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n\n"
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)
