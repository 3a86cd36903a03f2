/**
 * Camera motion of a large graph as a moved bitmap: while the user zooms (wheel) or pans
 * (drag), the drawn canvases are scaled and translated with a CSS transform, which the
 * browser's compositor applies without drawing a single node; when the gesture ends the
 * renderer draws once at the camera the transform stands for, and the transform is dropped in
 * the same frame. On software WebGL (no GPU) a sigma frame of 10,000 nodes costs hundreds of
 * milliseconds, a transformed bitmap a few (see `yarn bench:graph`).
 *
 * Pure state and arithmetic here; GraphCanvas wires it to the DOM and to sigma.
 */

/** A CSS transform `matrix(scale, 0, 0, scale, tx, ty)` with origin at the top-left corner. */
export interface BitmapTransform {
  scale: number;
  tx: number;
  ty: number;
}

export const IDENTITY: BitmapTransform = { scale: 1, tx: 0, ty: 0 };

/** The transform after a further zoom by `factor` about the viewport point (`mx`, `my`). */
export function zoomAbout(
  t: BitmapTransform,
  factor: number,
  mx: number,
  my: number,
): BitmapTransform {
  return {
    scale: t.scale * factor,
    tx: factor * t.tx + mx * (1 - factor),
    ty: factor * t.ty + my * (1 - factor),
  };
}

/** The transform after a further pan by (`dx`, `dy`) viewport pixels. */
export function panBy(
  t: BitmapTransform,
  dx: number,
  dy: number,
): BitmapTransform {
  return { ...t, tx: t.tx + dx, ty: t.ty + dy };
}

/**
 * The zoom factor of one wheel event: sigma's own step (its `zoomingRatio`, 1.7 by default) per
 * 120 px notch, proportionally for the small deltas of touchpads.
 */
export function wheelFactor(deltaY: number, zoomingRatio = 1.7): number {
  const notches = Math.max(-2, Math.min(2, deltaY / 120));
  return zoomingRatio ** -notches;
}

/** Clamps a further zoom factor so that the camera's ratio stays within its bounds. */
export function boundedFactor(
  t: BitmapTransform,
  factor: number,
  ratio: number,
  minRatio: number,
  maxRatio: number,
): number {
  const next = ratio / (t.scale * factor);
  if (next < minRatio) return ratio / minRatio / t.scale;
  if (next > maxRatio) return ratio / maxRatio / t.scale;
  return factor;
}

/**
 * The camera that draws what the transformed bitmap shows: the viewport's centre (`w`/2,
 * `h`/2) now shows what the untransformed viewport showed at (centre − t) / scale, and the
 * camera's ratio shrinks by the scale. `toFramedGraph` is the renderer's viewport → camera
 * coordinates at the camera the bitmap was drawn with (sigma: `viewportToFramedGraph`).
 * Cameras without rotation only.
 */
export function cameraFor(
  t: BitmapTransform,
  camera: { x: number; y: number; ratio: number },
  w: number,
  h: number,
  toFramedGraph: (p: { x: number; y: number }) => { x: number; y: number },
): { x: number; y: number; ratio: number } {
  const q = {
    x: (w / 2 - t.tx) / t.scale,
    y: (h / 2 - t.ty) / t.scale,
  };
  const g = toFramedGraph(q);
  return { x: g.x, y: g.y, ratio: camera.ratio / t.scale };
}

/**
 * What is left of `current` once the renderer has drawn at the camera of `drawn` (a gesture
 * that went on while that drawing was on its way): current ∘ drawn⁻¹.
 */
export function relativeTo(
  current: BitmapTransform,
  drawn: BitmapTransform,
): BitmapTransform {
  const scale = current.scale / drawn.scale;
  return {
    scale,
    tx: current.tx - scale * drawn.tx,
    ty: current.ty - scale * drawn.ty,
  };
}

export function isIdentity(t: BitmapTransform): boolean {
  return t.scale === 1 && t.tx === 0 && t.ty === 0;
}

export function cssTransform(t: BitmapTransform): string {
  return isIdentity(t)
    ? ''
    : `matrix(${t.scale}, 0, 0, ${t.scale}, ${t.tx}, ${t.ty})`;
}
