/*
 * Benchmark (`GRAPH_BENCH=floor yarn bench:graph`): the floor under any graph
 * renderer in this headless Chromium (software WebGL, SwiftShader; no GPU on these machines).
 * A bare page, no library: per animation frame, move a camera and draw N nodes
 *   - webgl:    N round points (gl.POINTS, one draw call, the camera one uniform),
 *   - webgl+edges: the same plus 2N lines (the shape of the generated graph),
 *   - canvas2d: N circles with arc() (one path per colour),
 * and print the frame intervals (p50/p95/max) over 120 frames. Whatever a WebGL or canvas graph
 * page spends per frame at this size starts from these figures. Asserts nothing about timings.
 * GRAPH_FLOOR_SIZES=10000 and GRAPH_FLOOR_VIEWPORT=1400x1000 override the defaults.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { browserCpuMs } from './browserCpu';

jest.setTimeout(600_000);

const SIZES = (process.env.GRAPH_FLOOR_SIZES ?? '10000,20000')
  .split(',')
  .map(Number);
const [W, H] = (process.env.GRAPH_FLOOR_VIEWPORT ?? '1400x1000')
  .split('x')
  .map(Number);
const MODES = ['webgl', 'webgl+edges', 'canvas2d'] as const;

/** Runs in the page: draws `frames` frames of `n` nodes in `mode`, returns rAF intervals. */
function drawFrames(args: { n: number; mode: string; frames: number }) {
  const { n, mode, frames } = args;
  const canvas = document.createElement('canvas');
  canvas.width = innerWidth * devicePixelRatio;
  canvas.height = innerHeight * devicePixelRatio;
  canvas.style.cssText = 'position:absolute;inset:0;width:100%;height:100%';
  document.body.appendChild(canvas);
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const xs = new Float32Array(n * 2);
  const colors = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    xs[2 * i] = rnd() * 2 - 1;
    xs[2 * i + 1] = rnd() * 2 - 1;
    colors[3 * i] = rnd();
    colors[3 * i + 1] = rnd();
    colors[3 * i + 2] = rnd();
  }
  let draw: (t: number) => void;
  if (mode.startsWith('webgl')) {
    const gl = canvas.getContext('webgl', { antialias: false })!;
    const compile = (type: number, src: string) => {
      const s = gl.createShader(type)!;
      gl.shaderSource(s, src);
      gl.compileShader(s);
      return s;
    };
    const program = (vs: string, fs: string) => {
      const p = gl.createProgram()!;
      gl.attachShader(p, compile(gl.VERTEX_SHADER, vs));
      gl.attachShader(p, compile(gl.FRAGMENT_SHADER, fs));
      gl.linkProgram(p);
      return p;
    };
    const nodes = program(
      `attribute vec2 a_pos; attribute vec3 a_color; uniform vec3 u_cam; varying vec3 v_color;
       void main() { gl_Position = vec4((a_pos - u_cam.xy) * u_cam.z, 0.0, 1.0);
                     gl_PointSize = 8.0; v_color = a_color; }`,
      `precision mediump float; varying vec3 v_color;
       void main() { vec2 c = gl_PointCoord - 0.5; if (dot(c, c) > 0.25) discard;
                     gl_FragColor = vec4(v_color, 1.0); }`,
    );
    const lines = program(
      `attribute vec2 a_pos; uniform vec3 u_cam;
       void main() { gl_Position = vec4((a_pos - u_cam.xy) * u_cam.z, 0.0, 1.0); }`,
      `precision mediump float; void main() { gl_FragColor = vec4(0.6, 0.6, 0.6, 1.0); }`,
    );
    const buffer = (data: Float32Array) => {
      const b = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, b);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
      return b;
    };
    const posBuf = buffer(xs);
    const colBuf = buffer(colors);
    const edgeVerts = new Float32Array(n * 2 * 4);
    for (let i = 0; i < n * 2; i++) {
      const a = Math.floor(rnd() * n);
      const b = Math.floor(rnd() * n);
      edgeVerts.set(
        [xs[2 * a], xs[2 * a + 1], xs[2 * b], xs[2 * b + 1]],
        i * 4,
      );
    }
    const edgeBuf = buffer(edgeVerts);
    const attrib = (
      p: WebGLProgram,
      name: string,
      b: WebGLBuffer | null,
      size: number,
    ) => {
      const loc = gl.getAttribLocation(p, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, b);
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, gl.FLOAT, false, 0, 0);
      return loc;
    };
    gl.viewport(0, 0, canvas.width, canvas.height);
    draw = t => {
      const cam = [
        Math.sin(t / 500) * 0.2,
        Math.cos(t / 500) * 0.2,
        1 + Math.sin(t / 300) * 0.3,
      ];
      gl.clearColor(1, 1, 1, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      if (mode === 'webgl+edges') {
        gl.useProgram(lines);
        gl.uniform3fv(gl.getUniformLocation(lines, 'u_cam'), cam);
        const loc = attrib(lines, 'a_pos', edgeBuf, 2);
        gl.drawArrays(gl.LINES, 0, n * 4);
        gl.disableVertexAttribArray(loc);
      }
      gl.useProgram(nodes);
      gl.uniform3fv(gl.getUniformLocation(nodes, 'u_cam'), cam);
      attrib(nodes, 'a_pos', posBuf, 2);
      attrib(nodes, 'a_color', colBuf, 3);
      gl.drawArrays(gl.POINTS, 0, n);
    };
  } else {
    const ctx = canvas.getContext('2d')!;
    const palette = Array.from(
      { length: 12 },
      (_, i) => `hsl(${i * 30},60%,50%)`,
    );
    draw = t => {
      const zoom = 1 + Math.sin(t / 300) * 0.3;
      const ox = Math.sin(t / 500) * 0.2;
      const oy = Math.cos(t / 500) * 0.2;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const hw = canvas.width / 2;
      const hh = canvas.height / 2;
      for (let c = 0; c < palette.length; c++) {
        ctx.fillStyle = palette[c];
        ctx.beginPath();
        for (let i = c; i < n; i += palette.length) {
          const x = hw + (xs[2 * i] - ox) * zoom * hw;
          const y = hh - (xs[2 * i + 1] - oy) * zoom * hh;
          ctx.moveTo(x + 4, y);
          ctx.arc(x, y, 4, 0, Math.PI * 2);
        }
        ctx.fill();
      }
    };
  }
  return new Promise<number[]>(resolve => {
    const stamps: number[] = [];
    const tick = (t: number) => {
      draw(t);
      stamps.push(t);
      if (stamps.length > frames) {
        resolve(stamps.slice(1).map((v, i) => v - stamps[i]));
      } else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

describe('graph rendering floor in this Chromium (benchmark)', () => {
  let browser: Browser;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    // a real origin: about:blank pages crashed this headless build under WebGL load
    server = http.createServer((_req, res) =>
      res.end('<!doctype html><body style="margin:0"></body>'),
    );
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it.each(SIZES)('%i nodes: bare WebGL and canvas-2D frames', async n => {
    process.stdout.write(`\nfloor, ${n} nodes, ${W}x${H} canvas\n`);
    for (const mode of MODES) {
      const page = await browser.newPage({ viewport: { width: W, height: H } });
      await page.goto(base);
      await page.evaluate(drawFrames, { n, mode, frames: 20 }); // warm up
      const cpu0 = browserCpuMs();
      const d = (
        await page.evaluate(drawFrames, { n, mode, frames: 120 })
      ).sort((a, b) => a - b);
      const cpu = (browserCpuMs() - cpu0) / d.length;
      await page.close();
      const q = (x: number) =>
        d[Math.min(d.length - 1, Math.floor(d.length * x))].toFixed(1);
      process.stdout.write(
        `  ${mode.padEnd(12)} frames ${d.length}: p50 ${q(0.5)}  p95 ${q(
          0.95,
        )}  max ${d[d.length - 1].toFixed(1)} ms` +
          `  Chromium CPU ${cpu.toFixed(1)} ms/frame  (load ${os
            .loadavg()[0]
            .toFixed(1)})\n`,
      );
      expect(d.length).toBe(120);
    }
  });
});
