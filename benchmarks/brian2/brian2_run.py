"""What the Brian2 workloads (w1_stdp.py, w2_session.py) share: the device
and clock, the timed run (code generation, compilation and run apart on the
standalone device) and DIR/timing.json."""
import json
import os
import time


def select_device(b2, args):
    """C++ standalone (project in args.build_dir, default OUT/standalone) or
    the runtime device (Cython), the clock (args.dt_ms) and the seed.
    Returns the standalone build directory, None at runtime."""
    build_dir = None
    if args.device == "standalone":
        build_dir = args.build_dir or os.path.join(args.out, "standalone")
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
    else:
        b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = args.dt_ms * b2.ms
    b2.seed(args.seed)
    return build_dir


def timed_run(b2, run, build_dir):
    """Calls run() (Brian2's run or a Network's), then on the standalone device
    builds, compiles and runs the project. Returns the seconds of each part:
    {codegen_s, compile_s, run_s} standalone, {run_s} at runtime."""
    t0 = time.perf_counter()
    run()
    if build_dir is None:
        return dict(run_s=time.perf_counter() - t0)
    t1 = time.perf_counter()
    b2.device.build(directory=build_dir, compile=True, run=False)
    t2 = time.perf_counter()
    b2.device.run(directory=build_dir, with_output=False)
    t3 = time.perf_counter()
    return dict(codegen_s=t1 - t0, compile_s=t2 - t1, run_s=t3 - t2)


def write_timing(args, timing, label, **workload):
    """DIR/timing.json (the timing, the run's settings and `workload`) and one summary line."""
    timing = dict(timing, device=args.device, dt_ms=args.dt_ms, threads=args.threads, seed=args.seed, **workload)
    with open(os.path.join(args.out, "timing.json"), "w") as f:
        json.dump(timing, f, indent=1)
    compile_part = " compile_s=%.3f" % timing["compile_s"] if "compile_s" in timing else ""
    print("brian2 %s %s: run_s=%.3f%s" % (label, args.device, timing["run_s"], compile_part))
