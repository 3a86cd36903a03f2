import {
  IDENTITY,
  boundedFactor,
  cameraFor,
  cssTransform,
  panBy,
  relativeTo,
  wheelFactor,
  zoomAbout,
} from './bitmapMotion';

/** A camera without rotation over a 800×600 viewport: viewport → camera coordinates. */
function framed(camera: { x: number; y: number; ratio: number }) {
  return (p: { x: number; y: number }) => ({
    x: camera.x + ((p.x - 400) / 600) * camera.ratio,
    y: camera.y - ((p.y - 300) / 600) * camera.ratio,
  });
}

describe('bitmapMotion', () => {
  const camera = { x: 0.5, y: 0.5, ratio: 1 };

  it('a zoom about a point keeps that point where it was (as sigma zooms on the cursor)', () => {
    const t = zoomAbout(IDENTITY, 2, 100, 50);
    expect(t).toEqual({ scale: 2, tx: -100, ty: -50 });
    const next = cameraFor(t, camera, 800, 600, framed(camera));
    expect(next.ratio).toBe(0.5);
    // the graph point under (100, 50) before is under (100, 50) after
    const before = framed(camera)({ x: 100, y: 50 });
    const after = framed(next)({ x: 100, y: 50 });
    expect(after.x).toBeCloseTo(before.x, 12);
    expect(after.y).toBeCloseTo(before.y, 12);
  });

  it('a pan moves the camera against the drag', () => {
    const t = panBy(panBy(IDENTITY, 30, 0), 30, -60);
    const next = cameraFor(t, camera, 800, 600, framed(camera));
    expect(next.ratio).toBe(1);
    expect(next.x).toBeCloseTo(0.5 - 60 / 600, 12);
    expect(next.y).toBeCloseTo(0.5 - 60 / 600, 12);
  });

  it('zooms and pans compose: a point follows the bitmap to the new camera', () => {
    let t = zoomAbout(IDENTITY, 1.7, 400, 300);
    t = panBy(t, -120, 45);
    t = zoomAbout(t, 1 / 1.7 ** 3, 10, 590);
    const next = cameraFor(t, camera, 800, 600, framed(camera));
    const p = { x: 250, y: 120 };
    const shown = { x: t.scale * p.x + t.tx, y: t.scale * p.y + t.ty };
    const before = framed(camera)(p);
    const after = framed(next)(shown);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  it('what is left of a gesture once an earlier part of it is drawn', () => {
    const drawn = zoomAbout(panBy(IDENTITY, 10, 20), 2, 5, 5);
    const more = panBy(zoomAbout(drawn, 1.5, 300, 200), -7, 3);
    const rest = relativeTo(more, drawn);
    expect(relativeTo(drawn, drawn)).toEqual(IDENTITY);
    // rest ∘ drawn = more
    const p = { x: 123, y: 45 };
    const viaDrawn = {
      x: drawn.scale * p.x + drawn.tx,
      y: drawn.scale * p.y + drawn.ty,
    };
    expect(rest.scale * viaDrawn.x + rest.tx).toBeCloseTo(
      more.scale * p.x + more.tx,
      9,
    );
    expect(rest.scale * viaDrawn.y + rest.ty).toBeCloseTo(
      more.scale * p.y + more.ty,
      9,
    );
  });

  it("a wheel notch is sigma's zooming ratio; the camera's bounds hold", () => {
    expect(wheelFactor(-120)).toBeCloseTo(1.7, 12);
    expect(wheelFactor(120)).toBeCloseTo(1 / 1.7, 12);
    expect(wheelFactor(-12)).toBeCloseTo(1.7 ** 0.1, 12);
    // ratio 0.01, bound 0.005: at most 2x more zoom in, whatever the wheel asks
    expect(boundedFactor(IDENTITY, 8, 0.01, 0.005, 20)).toBeCloseTo(2, 12);
    expect(boundedFactor(IDENTITY, 1 / 8, 10, 0.005, 20)).toBeCloseTo(0.5, 12);
    expect(boundedFactor(IDENTITY, 1.7, 1, 0.005, 20)).toBe(1.7);
  });

  it('no transform is no CSS transform', () => {
    expect(cssTransform(IDENTITY)).toBe('');
    expect(cssTransform({ scale: 2, tx: 1, ty: -3 })).toBe(
      'matrix(2, 0, 0, 2, 1, -3)',
    );
  });
});
