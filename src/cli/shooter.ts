/**
 * Node side of the headless renderer: plans tiles, drives src/cli/shotPage.ts through puppeteer, assembles the
 * image and the fields. Tiles are computed in the whole image's pixel coordinates, so seams cannot show.
 */
import type { Page } from 'puppeteer';
import { kPixelField, structSize } from '../gpu/layout.ts';
import { distinctPatterns, emptyFields, type FieldsRecords, readFieldsRecords } from '../model/fieldsFile.ts';
import { serializeGraph } from '../model/files/graphFile.ts';
import { netToSafetensors } from '../model/files/netTensors.ts';
import { isGraph, type Network } from '../model/graph/graph.ts';
import type { RandomNetSpec } from '../model/random.ts';
import type { Harness } from './harness.ts';
import type { BenchReply, PageNet, ShotPageInfo, TileReply, TileRequest } from './shotPage.ts';

/** What one picture needs: everything but the net. */
export interface ShotRequest {
  readonly view: { cx: number; cy: number; span: number };
  readonly width: number;
  readonly height: number;
  readonly layersShown: number;
  readonly mode: TileRequest['mode'];
  /** The output unit of the output mode (0 when absent). */
  readonly outputUnit?: number;
  readonly palette: TileRequest['palette'];
  readonly edgeWidth: number;
  readonly algorithm: TileRequest['algorithm'];
  /** Standard deviation of the bias density; needed by the theorem mode only. */
  readonly sigmaB?: number;
  readonly pixels: boolean;
  readonly fields: boolean;
  /** Largest tile side; the device's limits lower it further. */
  readonly maxTile?: number;
  /** Called after each tile of a picture of several tiles. */
  readonly onTile?: (done: number, total: number) => void;
}

export interface ShotResult {
  readonly rgba: Uint8Array;
  readonly fields: FieldsRecords | null;
  readonly tiles: number;
  /** Distinct activation patterns among the pixels, when the fields were read (not the exact region count). */
  readonly patterns: number | null;
  readonly seconds: number;
}

const kDefaultMaxTile = 2048;

export class Shooter {
  private constructor(
    private readonly page: Page,
    readonly info: ShotPageInfo,
    private readonly harness: Harness,
  ) {}

  static async open(harness: Harness): Promise<Shooter> {
    const { page } = await harness.newPage('/src/cli/shot.html');
    await page.waitForFunction('window.reluscopeShot !== undefined');
    const ready = (await page.evaluate('window.reluscopeShot.ready')) as
      | { ok: true; info: ShotPageInfo }
      | { ok: false; noWebGPU: boolean; error: string };
    if (!ready.ok) {
      if (ready.noWebGPU) throw harness.noWebGpu(ready.error);
      throw new Error(ready.error);
    }
    return new Shooter(page, ready.info, harness);
  }

  /**
   * Uploads a net resolved in node: by its spec when it is that random net (the page makes the same weights), else as
   * exact float64 bytes served by the harness. Throws with the message of what refused it (the device's limits).
   */
  async setNet(net: Network, random: RandomNetSpec | null = null): Promise<{ widths: number[]; neurons: number }> {
    const page: PageNet = random
      ? { random }
      : isGraph(net)
        ? { graphUrl: this.harness.publish('net', new TextEncoder().encode(serializeGraph(net))) }
        : { url: this.harness.publish('net', netToSafetensors(net)) };
    return this.call('setNet', page) as Promise<{ widths: number[]; neurons: number }>;
  }

  private async call(name: string, argument: unknown): Promise<unknown> {
    try {
      return await this.page.evaluate(
        (n, a) =>
          (window as unknown as Record<string, Record<string, (x: unknown) => unknown>>).reluscopeShot?.[n]?.(a),
        name,
        argument as never,
      );
    } catch (error) {
      // puppeteer wraps the page's exception; keep its message only.
      const message = (error as Error).message.replace(/^Error: /, '').split('\n')[0] ?? '';
      throw new Error(message);
    }
  }

  /** Times frames of one picture in the browser (see shotPage.bench). */
  async bench(request: ShotRequest, frames: number, maxSeconds: number): Promise<BenchReply> {
    const tile = { ...this.tileRequest(request), x: 0, y: 0, width: request.width, height: request.height };
    return (await this.call('bench', { ...tile, frames, maxSeconds })) as BenchReply;
  }

  private tileRequest(request: ShotRequest): Omit<TileRequest, 'x' | 'y' | 'width' | 'height'> {
    return {
      view: request.view,
      imageWidth: request.width,
      imageHeight: request.height,
      layersShown: request.layersShown,
      mode: request.mode,
      outputUnit: request.outputUnit ?? 0,
      palette: request.palette,
      edgeWidth: request.edgeWidth,
      algorithm: request.algorithm,
      outputRange: null,
      theoremScale: 0,
      sigmaB: request.sigmaB ?? 0,
      pixels: request.pixels,
      fields: request.fields,
    };
  }

  tileSide(request: ShotRequest): number {
    const byTexture = this.info.maxTextureDimension2D;
    const byFields = Math.floor(Math.sqrt(this.info.maxStorageBufferBindingSize / structSize(kPixelField)));
    return Math.max(1, Math.min(request.maxTile ?? kDefaultMaxTile, byTexture, byFields));
  }

  async shoot(request: ShotRequest): Promise<ShotResult> {
    const start = performance.now();
    const side = this.tileSide(request);
    const tiles: { x: number; y: number; width: number; height: number }[] = [];
    for (let y = 0; y < request.height; y += side) {
      for (let x = 0; x < request.width; x += side) {
        tiles.push({ x, y, width: Math.min(side, request.width - x), height: Math.min(side, request.height - y) });
      }
    }
    const base = this.tileRequest(request);
    // A heat map's scale is the whole image's (the output's range, the theorem integrand's top): a first pass when
    // there are several tiles, so that a tiled picture equals an untiled one.
    const heatMap = request.mode === 'output' || request.mode === 'theorem';
    if (heatMap && request.pixels && tiles.length > 1) {
      let [low, high, top] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0];
      for (const tile of tiles) {
        const range = (await this.call('heatRange', { ...base, ...tile })) as {
          output: [number, number] | null;
          theorem: number | null;
        };
        low = Math.min(low, range.output?.[0] ?? low);
        high = Math.max(high, range.output?.[1] ?? high);
        top = Math.max(top, range.theorem ?? 0);
      }
      if (request.mode === 'output' && low <= high) base.outputRange = [low, high];
      else base.theoremScale = Math.fround(top);
    }
    const pixels = request.width * request.height;
    const rgba = new Uint8Array(request.pixels ? pixels * 4 : 0);
    const fields = request.fields ? emptyFields(request.width, request.height) : null;
    for (const [index, tile] of tiles.entries()) {
      const reply = (await this.call('renderTile', { ...base, ...tile })) as TileReply;
      if (tiles.length > 1) request.onTile?.(index + 1, tiles.length);
      const tilePixels = Buffer.from(reply.pixels, 'base64');
      const tileFields = Buffer.from(reply.fields, 'base64');
      const records = new DataView(tileFields.buffer, tileFields.byteOffset, tileFields.byteLength);
      for (let j = 0; j < tile.height; j++) {
        const row = (tile.y + j) * request.width + tile.x;
        if (request.pixels) rgba.set(tilePixels.subarray(j * tile.width * 4, (j + 1) * tile.width * 4), row * 4);
        if (fields) readFieldsRecords(records, j * tile.width, fields, tile.y + j, tile.x, tile.width);
      }
    }
    return {
      rgba,
      fields,
      tiles: tiles.length,
      patterns: fields ? distinctPatterns(fields) : null,
      seconds: (performance.now() - start) / 1000,
    };
  }
}
