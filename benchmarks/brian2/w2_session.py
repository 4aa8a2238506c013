#!/usr/bin/env python3
"""W2 in Brian2: one learning session of dendrites with spines, on the inputs
SpineSim exported (`spinesim bench session --export DIR`).

The same equations and parameters as SpineSim (read from DIR/session.json):

  spine calcium (docs/MODEL.md §1–2), per spine i on its dendrite:
      dc_i/dt = −c_i/τ_Ca − (c_i − u(x_i))/τ_neck + C_pre Σ δ(t − t_pre − D) + C_post Σ δ(t − t_bAP)
  dendritic calcium, as coupled compartments of Δx = 0.5 µm (sealed ends):
      du_k/dt = D (u_{k−1} − 2u_k + u_{k+1})/Δx² − u_k/τ_dend
                + Σ_i w_ik (V_i/(A_d Δx)) (c_i − u(x_i))/τ_neck
    with u(x_i) = Σ_k w_ik u_k, w_ik the hat weights of the two nearest
    compartment centres (SpineSim's coupling, DendriticCalcium.swift);
  efficacy (docs/MODEL.md §1):
      τ dρ/dt = −ρ(1−ρ)(ρ*−ρ) + γ_p(1−ρ)H(c−θ_p) − γ_d ρ H(c−θ_d) + σ√τ √(H_p+H_d) η
Spine sizes do not change during a session (as in `spinesim run`): the
volumes V_i only set the neck exchange.

Calcium and compartments: exponential Euler (exact for each variable's own
decay, coupling terms explicit); ρ: Euler–Maruyama; all on one clock of
`--dt-ms`. Writes DIR_OUT/brian2.csv (spine,rho0,rho,delta_rho) and
DIR_OUT/timing.json.
"""
import argparse
import json
import os

import numpy as np

from brian2_run import select_device, timed_run, write_timing


def load(export):
    with open(os.path.join(export, "session.json")) as f:
        session = json.load(f)
    spines = np.genfromtxt(os.path.join(export, "spines.csv"), delimiter=",", names=True)
    pre_spine = np.fromfile(os.path.join(export, "presynaptic_spine.u32"), dtype="<u4").astype(np.int64)
    pre_ms = np.fromfile(os.path.join(export, "presynaptic_ms.f64"), dtype="<f8")
    bap_dendrite = np.fromfile(os.path.join(export, "backpropagating_dendrite.u32"), dtype="<u4").astype(np.int64)
    bap_ms = np.fromfile(os.path.join(export, "backpropagating_ms.f64"), dtype="<f8")
    return session, spines, (pre_spine, pre_ms), (bap_dendrite, bap_ms)


def by_rank(indices, times_ms, dt_ms):
    """Splits spikes so that no source fires twice in one time bin (Brian2's
    SpikeGeneratorGroup forbids it): the k-th spike of a source in a bin goes
    to layer k. Returns [(indices, times_ms)] per layer."""
    dt_s = dt_ms * 1e-3   # Brian2's own binning (SpikeGeneratorGroup): floor((t + dt/1000)/dt), in seconds
    bins = np.asarray((times_ms * 1e-3 + 1e-3 * dt_s) / dt_s, dtype=np.int32).astype(np.int64)
    order = np.lexsort((bins, indices))
    idx, b = indices[order], bins[order]
    rank = np.zeros(len(idx), dtype=np.int64)
    same = (idx[1:] == idx[:-1]) & (b[1:] == b[:-1])
    for k in np.nonzero(same)[0]:
        rank[k + 1] = rank[k] + 1
    times = times_ms[order]
    return [(idx[rank == r], times[rank == r]) for r in range(rank.max() + 1 if len(rank) else 0)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", help="directory written by `spinesim bench session --export`")
    ap.add_argument("--device", choices=["standalone", "runtime"], default="standalone")
    ap.add_argument("--dt-ms", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (standalone)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build-dir", default=None)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, second, um

    session, spines, (pre_spine, pre_ms), (bap_dendrite, bap_ms) = load(args.export)
    os.makedirs(args.out, exist_ok=True)
    p, d = session["plasticity"], session["diffusion"]
    n_dend, length = session["dendrites"], session["length_um"]
    cells = max(2, int(round(length / d["grid_spacing_um"])))
    cell_dx = length / cells
    N = len(spines)
    build_dir = select_device(b2, args)

    ns = dict(tau_ca=p["tau_ca_ms"] * ms, tau_neck=d["tau_neck_ms"] * ms, tau_dend=d["tau_dendrite_ms"] * ms,
              theta_d=p["theta_d"], theta_p=p["theta_p"], gamma_d=p["gamma_d"], gamma_p=p["gamma_p"],
              sigma=p["sigma"], tau=p["tau_rho_s"] * second, rho_star=p["rho_star"],
              k_diff=d["diffusion_um2_per_ms"] * um ** 2 / ms / (cell_dx * um) ** 2)

    calcium = b2.NeuronGroup(N, """
        dc/dt = -c/tau_ca - (c - u_at)/tau_neck : 1
        u_at : 1
        """, method="exponential_euler", namespace=ns, name="spine_calcium")
    shaft = b2.NeuronGroup(n_dend * cells, """
        du/dt = lap - u/tau_dend + inflow : 1
        lap : 1/second
        inflow : 1/second
        """, method="exponential_euler", namespace=ns, name="shaft")
    efficacy = b2.NeuronGroup(N, """
        drho/dt = (-rho*(1 - rho)*(rho_star - rho) + gamma_p*(1 - rho)*Hp - gamma_d*rho*Hd)/tau
                  + sigma*sqrt(Hp + Hd)*xi_rho/sqrt(tau) : 1
        Hp = int(c > theta_p) : 1
        Hd = int(c > theta_d) : 1
        c : 1 (linked)
        """, method="euler", namespace=ns, name="efficacy")
    efficacy.c = b2.linked_var(calcium, "c")
    efficacy.rho = spines["rho0"]

    # Diffusion between neighbouring compartments of each dendrite (sealed ends).
    diffusion = b2.Synapses(shaft, shaft, "lap_post = k_diff*(u_pre - u_post) : 1/second (summed)",
                            namespace=ns, name="diffusion")
    k = np.arange(n_dend * cells)
    left = k[(k % cells) != cells - 1]
    diffusion.connect(i=np.concatenate([left, left + 1]), j=np.concatenate([left + 1, left]))

    # Neck exchange: hat weights of the two nearest compartment centres.
    dendrite = spines["dendrite"].astype(np.int64)
    position = np.clip(spines["position_um"] / cell_dx - 0.5, 0, cells - 1)
    kl = np.minimum(position.astype(np.int64), cells - 2)
    f = position - kl
    spine_idx = np.concatenate([np.arange(N), np.arange(N)])
    cell_idx = np.concatenate([dendrite * cells + kl, dendrite * cells + kl + 1])
    weight = np.concatenate([1 - f, f])
    area = np.pi * d["dendrite_radius_um"] ** 2
    g_per_ms = np.asarray(spines["volume_um3"]) / (area * cell_dx * d["tau_neck_ms"])   # V_i/(A_d Δx τ_neck)
    to_spine = b2.Synapses(shaft, calcium, "w : 1\nu_at_post = w*u_pre : 1 (summed)", name="shaft_to_spine")
    to_spine.connect(i=cell_idx, j=spine_idx)
    to_spine.w = weight
    to_shaft = b2.Synapses(calcium, shaft, "w : 1\ng : 1/second\ninflow_post = w*g*(c_pre - u_at_pre) : 1/second (summed)",
                           name="spine_to_shaft")
    to_shaft.connect(i=spine_idx, j=cell_idx)
    to_shaft.w = weight
    to_shaft.g = np.concatenate([g_per_ms, g_per_ms]) / ms

    # Calcium jumps: presynaptic (arriving D after the spike) and bAPs (every spine of the dendrite).
    objects = []
    for layer, (idx, t) in enumerate(by_rank(pre_spine, pre_ms + p["delay_ms"], args.dt_ms)):
        gen = b2.SpikeGeneratorGroup(N, idx, t * ms, name="presynaptic_%d" % layer)
        syn = b2.Synapses(gen, calcium, on_pre="c_post += %r" % p["c_pre"], name="presynaptic_jumps_%d" % layer)
        syn.connect(j="i")
        objects += [gen, syn]
    for layer, (idx, t) in enumerate(by_rank(bap_dendrite, bap_ms, args.dt_ms)):
        gen = b2.SpikeGeneratorGroup(n_dend, idx, t * ms, name="backpropagating_%d" % layer)
        syn = b2.Synapses(gen, calcium, on_pre="c_post += %r" % p["c_post"], name="backpropagating_jumps_%d" % layer)
        syn.connect(i=dendrite, j=np.arange(N))
        objects += [gen, syn]

    net = b2.Network(calcium, shaft, efficacy, diffusion, to_spine, to_shaft, *objects)
    timing = timed_run(b2, lambda: net.run(session["duration_ms"] * ms), build_dir)
    rho = np.array(efficacy.rho[:])
    with open(os.path.join(args.out, "brian2.csv"), "w") as fh:
        fh.write("spine,rho0,rho,delta_rho\n")
        for i in range(N):
            fh.write("%d,%.17g,%.17g,%.17g\n" % (i, spines["rho0"][i], rho[i], rho[i] - spines["rho0"][i]))
    write_timing(args, timing, "w2", spines=N, compartments=n_dend * cells, simulated_s=session["duration_ms"] / 1000)


if __name__ == "__main__":
    main()
