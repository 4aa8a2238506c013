#!/usr/bin/env python3
"""W1 in Brian2: the DP STDP protocol of Graupner & Brunel 2012 (docs/MODEL.md §1).

60 pre–post pairs at 1 Hz for each Δt = t_post − t_pre from −100 to +100 ms in
steps of 5 ms; `--synapses` independent synapses per Δt, half starting DOWN
(ρ = 0) and half UP (ρ = 1). The same equations and DP parameters as SpineSim:

    dc/dt = −c/τ_Ca + C_pre Σ δ(t − t_pre − D) + C_post Σ δ(t − t_post)
    τ dρ/dt = −ρ(1−ρ)(ρ*−ρ) + γ_p(1−ρ)H(c−θ_p) − γ_d ρ H(c−θ_d)
              + σ√τ √(H(c−θ_p) + H(c−θ_d)) η(t)

Calcium decays exactly between time steps (its own group, method 'exact');
ρ is integrated by Euler–Maruyama at the clock's dt, reading c through a
linked variable; H(0) = 0. The readout (UP, DOWN, change) is SpineSim's
(README: `p_up`, `p_down`, `change`).

Writes DIR/stdp.csv (delta_t_ms,change,p_up,p_down,change_se) and
DIR/timing.json (compile_s, run_s, build_s for the standalone device).
"""
import argparse
import os

import numpy as np

from brian2_run import select_device, timed_run, write_timing

# The DP preset (docs/MODEL.md §1 table).
DP = dict(tau_ca_ms=20.0, c_pre=1.0, c_post=2.0, theta_d=1.0, theta_p=1.3, gamma_d=200.0, gamma_p=321.808,
          sigma=2.8284, tau_rho_s=150.0, delay_ms=13.7, rho_star=0.5, beta=0.5, b=5.0)


def change_of(up, down, p):
    """docs/MODEL.md §1: change of mean synaptic strength from UP and DOWN."""
    beta, b = p["beta"], p["b"]
    return (beta * (1 - up) + (1 - beta) * down + b * (beta * up + (1 - beta) * (1 - down))) / (beta + (1 - beta) * b)


def change_se(up, down, half, p):
    """Standard error of `change_of`: binomial UP and DOWN, each from `half` independent synapses."""
    beta, b = p["beta"], p["b"]
    return np.sqrt((beta * (b - 1)) ** 2 * up * (1 - up) / half
                   + ((1 - beta) * (1 - b)) ** 2 * down * (1 - down) / half) / (beta + (1 - beta) * b)


def readout(delta_ts, rho0, rho1, per_point, p):
    rows = []
    half = per_point // 2
    for k, dt_ms in enumerate(delta_ts):
        block0 = rho0[k * per_point:(k + 1) * per_point]
        block1 = rho1[k * per_point:(k + 1) * per_point]
        down_start = block0 < 0.5
        up = np.mean(block1[down_start] > 0.5)
        down = np.mean(block1[~down_start] < 0.5)
        rows.append((dt_ms, change_of(up, down, p), up, down, change_se(up, down, half, p)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", choices=["standalone", "runtime"], default="standalone")
    ap.add_argument("--synapses", type=int, default=2000, help="synapses per Δt (even)")
    ap.add_argument("--pairs", type=int, default=60)
    ap.add_argument("--frequency-hz", type=float, default=1.0)
    ap.add_argument("--dt-ms", type=float, default=0.1, help="Brian2 clock (chosen by the convergence check, README)")
    ap.add_argument("--delta-t", default="-100:100:5", help="from:to:step (ms)")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (standalone)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build-dir", default=None, help="standalone project directory")
    ap.add_argument("--record-alpha", action="store_true",
                    help="also record the time each synapse spends above θ_d and θ_p (alpha.csv, convergence check)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.synapses % 2:
        raise SystemExit("error: --synapses must be even (half start at ρ = 0, half at ρ = 1)")

    import brian2 as b2
    from brian2 import ms, second

    os.makedirs(args.out, exist_ok=True)
    lo, hi, step = (float(x) for x in args.delta_t.split(":"))
    delta_ts = np.arange(lo, hi + step / 2, step)
    P, n = len(delta_ts), args.synapses
    N = P * n
    p = DP

    build_dir = select_device(b2, args)

    ns = dict(tau_ca=p["tau_ca_ms"] * ms, theta_d=p["theta_d"], theta_p=p["theta_p"], gamma_d=p["gamma_d"],
              gamma_p=p["gamma_p"], sigma=p["sigma"], tau=p["tau_rho_s"] * second, rho_star=p["rho_star"])
    calcium = b2.NeuronGroup(N, "dc/dt = -c/tau_ca : 1", method="exact", namespace=ns, name="calcium")
    efficacy = b2.NeuronGroup(N, """
        drho/dt = (-rho*(1 - rho)*(rho_star - rho) + gamma_p*(1 - rho)*Hp - gamma_d*rho*Hd)/tau
                  + sigma*sqrt(Hp + Hd)*xi/sqrt(tau) : 1
        Hp = int(c > theta_p) : 1
        Hd = int(c > theta_d) : 1
        c : 1 (linked)
        """ + ("""
        dabove_d/dt = Hd/second : 1
        dabove_p/dt = Hp/second : 1
        """ if args.record_alpha else ""), method="euler", namespace=ns, name="efficacy")
    efficacy.c = b2.linked_var(calcium, "c")
    start_rho = np.tile(np.repeat([0.0, 1.0], n // 2), P)
    efficacy.rho = start_rho

    # Spike sources: 2 per Δt (the presynaptic calcium arrives D after the spike).
    period = 1000.0 / args.frequency_hz
    indices, times = [], []
    for k, d in enumerate(delta_ts):
        first_pre = max(0.0, -d)
        for j in range(args.pairs):
            pre = first_pre + j * period
            indices += [2 * k, 2 * k + 1]
            times += [pre + p["delay_ms"], pre + d]
    indices, times = np.array(indices), np.array(times)
    order = np.argsort(times, kind="stable")
    sources = b2.SpikeGeneratorGroup(2 * P, indices[order], times[order] * ms, name="sources")
    jumps = b2.Synapses(sources, calcium, "amplitude : 1", on_pre="c_post += amplitude", name="jumps")
    pre_i = np.repeat(2 * np.arange(P), n)
    post_j = np.arange(N)
    jumps.connect(i=np.concatenate([pre_i, pre_i + 1]), j=np.concatenate([post_j, post_j]))
    jumps.amplitude = np.concatenate([np.full(N, p["c_pre"]), np.full(N, p["c_post"])])
    # Until calcium is below θ_d after the last jump (ρ cannot cross ρ* after that).
    duration = times.max() + p["tau_ca_ms"] * np.log(2 * (p["c_pre"] + p["c_post"]) / p["theta_d"]) + 1.0

    net = b2.Network(b2.collect())   # the groups above (a run inside timed_run would not see them)
    timing = timed_run(b2, lambda: net.run(duration * ms), build_dir)
    rho = np.array(efficacy.rho[:])
    rows = readout(delta_ts, start_rho, rho, n, p)
    with open(os.path.join(args.out, "stdp.csv"), "w") as f:
        f.write("delta_t_ms,change,p_up,p_down,change_se\n")
        for r in rows:
            f.write("%g,%.6f,%.6f,%.6f,%.6f\n" % r)
    if args.record_alpha:
        above_d, above_p = np.array(efficacy.above_d[:]), np.array(efficacy.above_p[:])
        with open(os.path.join(args.out, "alpha.csv"), "w") as f:
            f.write("delta_t_ms,above_d_ms,above_p_ms\n")
            for k, d in enumerate(delta_ts):
                f.write("%g,%.6f,%.6f\n" % (d, 1000 * above_d[k * n], 1000 * above_p[k * n]))
    write_timing(args, timing, "w1", synapses_per_point=n, points=P, simulated_s=duration / 1000)


if __name__ == "__main__":
    main()
