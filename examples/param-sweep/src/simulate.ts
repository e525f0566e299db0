/**
 * The task: a small stochastic simulation, run once per parameter combination. An SIR
 * epidemic on a well-mixed population, simulated with a seeded random generator so every
 * run is reproducible: the result depends only on the arguments.
 */

export interface SirParams {
  /** Infection rate per contact per day. */
  beta: number;
  /** Recovery rate per day. */
  gamma: number;
  population: number;
  days: number;
  seed: number;
}

export interface SirResult {
  beta: number;
  gamma: number;
  /** Largest number of people infected at once. */
  peakInfected: number;
  /** Day of that peak. */
  peakDay: number;
  /** Share of the population infected at some point. */
  attackRate: number;
}

/** Mulberry32: a tiny seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial draw by summing Bernoulli trials (n is small per step here). */
function binomial(n: number, p: number, random: () => number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

export function simulate(params: SirParams): SirResult {
  const random = rng(params.seed);
  const n = params.population;
  let s = n - 10;
  let i = 10;
  let peakInfected = i;
  let peakDay = 0;
  for (let day = 1; day <= params.days && i > 0; day++) {
    const pInfect = 1 - Math.exp((-params.beta * i) / n);
    const newInfected = binomial(s, pInfect, random);
    const recovered = binomial(i, 1 - Math.exp(-params.gamma), random);
    s -= newInfected;
    i += newInfected - recovered;
    if (i > peakInfected) {
      peakInfected = i;
      peakDay = day;
    }
  }
  return { beta: params.beta, gamma: params.gamma, peakInfected, peakDay, attackRate: (n - s) / n };
}
