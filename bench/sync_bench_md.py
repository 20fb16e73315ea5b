"""The RESULTS.md section of bench/sync_bench.py, from its --json files (one per invocation)."""
from cluster_bench import PARAMS, fmt, median, runs, scaling_table, secs, verdict

HEADING = "## Sync mode (issue 20): throughput, barrier wait, elastic latency"


def section(invocations):
    """The section from one or more invocations (each a --json); every ratio comes from within one invocation."""
    first = invocations[0]
    out = [HEADING + "\n",
           "Setup as \"Cluster on Orleans (issue 12)\": real `u2pl-silo` processes on loopback, ResNet-18 DeepLabv3+ OS16 "
           f"({PARAMS:,} parameters), 96×96 crops, every step semi-supervised, 2 parameter-server shards, "
           "`cluster.mode: sync`. Images/s = 2 × batch × the least-squares slope of the run's contiguous iteration over "
           f"time, over steps [{first['args']['warmup']}, {first['args']['warmup']} + timed] (cluster: the status pushed "
           "once a second; `u2pl train`: its step lines). One silo `--role all --gpu-slots 2`, 1 libtorch thread per worker; "
           "`u2pl train` with `trainer.threads: 1` and the same `trainer.micro_batches`. The 2-worker runs time twice as "
           "many steps. Cores: what the measured processes (the silo; `u2pl train`) used and what the whole machine kept "
           "busy over the timed steps (/proc; 2 cores). Linux's autogroup scheduling (on here) shares the cores between "
           "sessions, not threads, so next to another busy session a silo gets about 1 core however many workers it runs.\n"]
    for n, r in enumerate(invocations, 1):
        out += invocation(n, r)
    return "\n".join(out)


def invocation(n, r):
    quiet = r["args"].get("quiet")
    out = [f"### Invocation {n}\n",
           f"`flock /tmp/u2pl-bench.lock {r['command']}` (2 cores shared with other agents' builds and tests; from a private "
           f"copy of the Release build), {r['started']} to {r['finished'][11:]}, build of {r['commit']}. `/proc/loadavg` at "
           f"the start: `{r['loadavg_start']}`; at the end: `{r['loadavg_end']}`; 1-minute load around single runs: "
           f"{load_range(r)}."
           + (f" Each throughput run started once the machine kept at most {quiet.split(',')[0]} cores busy over 5 s "
              f"(waiting at most {quiet.split(',')[1]} s, then anyway)." if quiet else "") + "\n"]
    if "throughput" in r:
        out += throughput_part(r["throughput"], f"Throughput: batch 4 + 4, M = 2 (invocation {n})", r["args"]["steps"])
    if "wide" in r:
        out += throughput_part(r["wide"], f"Throughput: batch 8 + 8, M = 4 (invocation {n})", r["args"]["wide_steps"])
    for key, title in (("throughput", "batch 4, M = 2"), ("wide", "batch 8, M = 4")):
        if key in r:
            out += barrier_part(r[key], f"{title} (invocation {n})")
    if "scale" in r:
        out += scale_part(r["scale"], n)
    if "kill" in r:
        out += kill_part(r["kill"], r["args"], n)
    if "async" in r:
        table, speedup, paired = scaling_table(r["async"])
        out += [f"#### For comparison: async mode (cluster_bench's scaling part, `cluster.mode: async`, batch 4; invocation {n})\n",
                table, "", f"- async speedup {speedup:.2f}× (paired {paired:.2f}×).", ""]
    return out


def load_range(r):
    loads = [x["load"] for key in ("throughput", "wide", "async") for rows in r.get(key, {}).values() for x in rows]
    loads += [x["load"] for key in ("scale", "kill") for x in r.get(key, [])]
    return f"{min(loads):.1f} to {max(loads):.1f}" if loads else "n/a"


def throughput_part(results, title, steps):
    one = [x["images_per_s"] for x in results["1 worker"]]
    two = [x["images_per_s"] for x in results["2 workers"]]
    train = [x["images_per_s"] for x in results.get("u2pl train", [])]
    out = [f"#### {title}\n", f"{steps} timed steps (2 workers: {2 * steps}).\n",
           "| peer | images/s, median | vs 1 sync worker (of medians) | median of per-round ratios | runs (images/s) | load per run | "
           "cores ours / machine busy, per run |",
           "|---|---|---|---|---|---|---|"]
    for name, rates in (("`u2pl train`, 1 thread", train), ("1 sync worker × 1 thread", one), ("2 sync workers × 1 thread", two)):
        if rates:
            key = {"`u2pl train`, 1 thread": "u2pl train", "1 sync worker × 1 thread": "1 worker"}.get(name, "2 workers")
            paired = median([a / b for a, b in zip(rates, one)])
            out.append(f"| {name} | {fmt(median(rates))} | {median(rates) / median(one):.2f} | {paired:.2f} | {runs(rates)} | "
                       f"{runs([x['load'] for x in results[key]], '.1f')} | {cores(results[key])} |")
    speedup, paired = median(two) / median(one), median([t / o for t, o in zip(two, one)])
    out += ["", f"- 2 workers vs 1: **{speedup:.2f}×** (median of per-round ratios {paired:.2f}×); judged on the lower: "
            f"required ≥ 1.6×, goal ≥ 1.8×: {verdict(min(speedup, paired), 1.6, 1.8)}."]
    if train:
        ratio, paired = median(one) / median(train), median([o / t for o, t in zip(one, train)])
        out.append(f"- 1 sync worker vs `u2pl train` (same M): **{ratio:.2f}** (median of per-round ratios {paired:.2f}); "
                   f"judged on the lower: required ≥ 0.90: {verdict(min(ratio, paired), 0.90, None)}.")
    return out + [""]


def cores(rows):
    if not any("cores" in x for x in rows):
        return "not measured"
    return ", ".join(f"{fmt(x.get('cores'), '.2f')} / {fmt(x.get('machine_cores'), '.2f')}"
                     + (f" (started after {x['quiet_wait_s']:.0f} s, {x['busy_before']:.1f} busy)" if "quiet_wait_s" in x else "") for x in rows)


def barrier_part(results, title):
    out = [f"#### Barrier wait: {title}\n",
           "Per complete timed step: wait = Σ over its micro-batches of the computing worker's seconds between asking for a "
           "lease and getting one (the step not open yet); compute = Σ of the micro-batches' step seconds (pull, forward, "
           "backward, push); share = wait / (wait + compute), as the status' `barrier_wait_share` (a mean over its last 8 "
           "complete steps, the median over the statuses once 8 timed steps are in). Uneven = steps whose micro-batches "
           "were not spread evenly over the workers. Workers: their own `barrier_wait_seconds` (mean per lease since "
           "their start) and last micro-batch seconds.\n",
           "| run | wall s / step | micro-batch s (median) | wait s / step (median) | share (median over steps) | "
           "share (Σ wait / Σ both) | status' `barrier_wait_share` (median) | uneven steps | workers' `barrier_wait_seconds` | "
           "run's iteration at the last `joined` |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for name in ("1 worker", "2 workers"):
        for i, x in enumerate(results.get(name, []), 1):
            workers = "; ".join(f"{k.split('/')[-1]}: {w['barrier_wait_s']:.2f} s wait, {w['micro_batch_s']:.2f} s compute"
                                for k, w in x["workers"].items())
            out.append(f"| {name}, round {i} | {fmt(x['wall_per_step_s'])} | {fmt(x['micro_batch_s'])} | {fmt(x['wait_per_step_s'])} | "
                       f"{fmt(x['share_per_step'], '.0%')} | {fmt(x['share_pooled'], '.0%')} | {fmt(x['status_share'], '.0%')} | "
                       f"{x['uneven_steps']} of {x['steps_seen']} | {workers} | {x['last_joined_at']} |")
    two = results.get("2 workers", [])
    if two:
        out += ["", f"- 2 workers: barrier wait **{median([x['share_pooled'] for x in two]):.0%}** of the workers' time on a "
                f"step (median over runs of Σ wait / Σ both); the status' own figure {fmt(median([x['status_share'] for x in two]), '.0%')}."]
    return out + [""]


def scale_part(rounds, n):
    out = [f"#### Elastic latency: `run scale` 1 → 2 (sync, batch 4, M = 2; invocation {n})\n",
           "From the `run scale` command's start. `joined`: the run's event time (the new worker's first accepted "
           "micro-batch); status: the first pushed status showing the new worker with steps > 0, and the first showing that "
           "step applied (iteration past it: all its micro-batches in).\n",
           "| round | `joined` event | status: new worker steps > 0 | status: its step applied | the run's account |",
           "|---|---|---|---|---|"]
    for i, x in enumerate(rounds, 1):
        out.append(f"| {i} | **{secs(x['seen_s'])}** | {secs(x.get('status_steps_s'))} | {secs(x.get('applied_s'))} | "
                   f"{x['message'].split(': ', 1)[-1]} |")
    seen = median([x["seen_s"] for x in rounds])
    return out + ["", f"- `joined`: median **{seen:.1f} s**: goal ≤ 10 s: {verdict(seen, None, 10, False)}.", ""]


def kill_part(rounds, args, n):
    goal = args["death_timeout"] + 10
    out = [f"#### Elastic latency: SIGKILL of a worker silo (sync, batch 4, M = 2; invocation {n})\n",
           f"A private redis-server (membership), one `state` silo (run, shards, banks, gateway) and two `gpu` silos with 1 "
           f"slot each, `--death-timeout {args['death_timeout']:g}`, `cluster.lease_timeout_seconds: {args['lease_timeout']:g}`, "
           "2 workers × 1 thread; worker 1's silo is SIGKILLed once both have joined and the run is past step 4. Seconds "
           "after the kill; the run's iteration is the contiguous count of applied steps.\n",
           "| round | silo declared dead (membership) | dead worker's lease re-issued | "
           "**run's iteration moves again** | `failed` event | `run stop` afterwards |",
           "|---|---|---|---|---|---|"]
    for i, x in enumerate(rounds, 1):
        out.append(f"| {i} | {secs(x.get('declared_dead_s'))} | {secs(x['reissued_s'])} | "
                   f"**{secs(x['progress_s'])}** | {secs(x['failed_event_s'])} | {x.get('stop', '')} |")
    progress = median([x["progress_s"] for x in rounds])
    return out + ["", f"- progress again: median **{fmt(progress, '.1f')} s**: goal ≤ death timeout + 10 s = {goal:g} s: "
                  f"{verdict(progress, None, goal, False)}.", ""]
