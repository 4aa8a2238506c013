/*
 * C reference of SpineSim's dense clock-driven kernel
 * (Sources/SpineEngine/Benchmarks/DenseKernel.swift): the same algorithm,
 * the same GSL taus2 generator, seed and draw order, so the checksum equals
 * the Swift one bit for bit. Compiled with -ffp-contract=off so that no
 * fused multiply-add changes the rounding.
 *
 * usage: dense_kernel SPINES STEPS [SEED] [DT_MS] [PRE_HZ] [POST_HZ]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

/* DP preset of Graupner & Brunel 2012 (MODEL.md section 1). */
static const double tau_ca_ms = 20, c_pre = 1, c_post = 2, theta_d = 1, theta_p = 1.3;
static const double gamma_d = 200, gamma_p = 321.808, sigma = 2.8284, tau_rho_ms = 150000, rho_star = 0.5;

static inline int64_t interval(gsl_rng *r, double mean_steps) {
    return 1 + (int64_t)floor(gsl_ran_exponential(r, mean_steps));
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void step(int64_t steps, int64_t count, double dt_ms, double mean_pre, double mean_post,
                 double *restrict c, double *restrict rho, int64_t *restrict pre, int64_t *restrict post, gsl_rng *r) {
    const double decay = exp(-dt_ms / tau_ca_ms);
    const double dt_over_tau = dt_ms / tau_rho_ms;
    const double noise_scale = sigma * sqrt(dt_over_tau);
    for (int64_t s = 0; s < steps; s++) {
        for (int64_t i = 0; i < count; i++) {
            double ca = c[i] * decay;
            if (pre[i] == s) { ca += c_pre; pre[i] = s + interval(r, mean_pre); }
            if (post[i] == s) { ca += c_post; post[i] = s + interval(r, mean_post); }
            c[i] = ca;
            const double hd = ca > theta_d ? 1.0 : 0.0;
            const double hp = ca > theta_p ? 1.0 : 0.0;
            const double x = rho[i];
            const double cubic = -x * (1.0 - x) * (rho_star - x);
            double next = x + (cubic + gamma_p * (1.0 - x) * hp - gamma_d * x * hd) * dt_over_tau;
            if (hd + hp > 0) next += noise_scale * sqrt(hp + hd) * gsl_ran_gaussian_ziggurat(r, 1.0);
            rho[i] = next;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SPINES STEPS [SEED] [DT_MS] [PRE_HZ] [POST_HZ]\n", argv[0]);
        return 2;
    }
    const int64_t spines = atoll(argv[1]), steps = atoll(argv[2]);
    const unsigned long seed = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
    const double dt_ms = argc > 4 ? atof(argv[4]) : 0.1;
    const double pre_hz = argc > 5 ? atof(argv[5]) : 5, post_hz = argc > 6 ? atof(argv[6]) : 5;
    if (spines < 1 || steps < 1 || dt_ms <= 0 || pre_hz <= 0 || post_hz <= 0) {
        fprintf(stderr, "dense_kernel: SPINES and STEPS must be >= 1, DT_MS and rates > 0\n");
        return 2;
    }
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, seed);
    double *c = malloc(sizeof(double) * spines), *rho = malloc(sizeof(double) * spines);
    int64_t *pre = malloc(sizeof(int64_t) * spines), *post = malloc(sizeof(int64_t) * spines);
    if (!r || !c || !rho || !pre || !post) { fprintf(stderr, "dense_kernel: out of memory\n"); return 1; }
    const double mean_pre = 1000.0 / (pre_hz * dt_ms), mean_post = 1000.0 / (post_hz * dt_ms);
    for (int64_t i = 0; i < spines; i++) {
        rho[i] = gsl_rng_uniform(r);
        c[i] = 0;
        pre[i] = interval(r, mean_pre);
        post[i] = interval(r, mean_post);
    }
    const double start = now();
    step(steps, spines, dt_ms, mean_pre, mean_post, c, rho, pre, post, r);
    const double wall = now() - start;
    double checksum = 0;
    for (int64_t i = 0; i < spines; i++) checksum += rho[i] + c[i];
    printf("c kernel: spines=%lld steps=%lld wall_s=%.4f spine_steps_per_s=%.4e checksum=%.17g\n",
           (long long)spines, (long long)steps, wall, (double)spines * (double)steps / wall, checksum);
    free(c); free(rho); free(pre); free(post);
    gsl_rng_free(r);
    return 0;
}
