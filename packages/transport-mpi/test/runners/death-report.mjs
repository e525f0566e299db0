// Shared by worker-death.mjs and comm-death.mjs: waits for both futures and prints, as one
// JSON line, how long after `t0` they settled and how.
const settled = (f) =>
  f.then(
    (value) => ({ value }),
    (e) => ({ name: e.name, message: e.message }),
  );

export async function reportDeath(t0, dying, held) {
  const [first, second] = await Promise.all([settled(dying), settled(held)]);
  console.log(JSON.stringify({ ms: performance.now() - t0, first, second }));
}
