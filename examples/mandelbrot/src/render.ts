/**
 * The task: one row of the image. Workers import this module by reference (task()), so it
 * depends on nothing but its arguments.
 */

/** The part of the complex plane to draw. */
export interface View {
  centerX: number;
  centerY: number;
  /** Width of the view in the complex plane; the height follows the image's aspect ratio. */
  span: number;
}

/**
 * Renders row `y` of a `width`×`height` image of the Mandelbrot set: RGBA bytes, with
 * smooth (continuous escape-time) colouring. Points inside the set are black.
 */
export function renderRow(
  y: number,
  width: number,
  height: number,
  maxIterations: number,
  view: View,
): Uint8Array {
  const out = new Uint8Array(width * 4);
  const scale = view.span / width;
  const ci = view.centerY + (y - height / 2) * scale;
  for (let x = 0; x < width; x++) {
    const cr = view.centerX + (x - width / 2) * scale;
    let zr = 0;
    let zi = 0;
    let zr2 = 0;
    let zi2 = 0;
    let n = 0;
    while (n < maxIterations && zr2 + zi2 <= 256) {
      zi = 2 * zr * zi + ci;
      zr = zr2 - zi2 + cr;
      zr2 = zr * zr;
      zi2 = zi * zi;
      n++;
    }
    const o = x * 4;
    out[o + 3] = 255;
    if (n >= maxIterations) continue; // inside: black
    // continuous iteration count, mapped onto a cyclic palette
    const smooth = n + 1 - Math.log2(Math.log2(zr2 + zi2) / 2);
    const t = (smooth * 0.035) % 1;
    out[o] = Math.round(255 * (0.5 + 0.5 * Math.cos(6.2832 * (t + 0.0))));
    out[o + 1] = Math.round(255 * (0.5 + 0.5 * Math.cos(6.2832 * (t + 0.15))));
    out[o + 2] = Math.round(255 * (0.5 + 0.5 * Math.cos(6.2832 * (t + 0.3))));
  }
  return out;
}
