/** One harness (Vite + Chromium on SwiftShader) per test file, with the GPU test page loaded. */
import type { Page } from 'puppeteer';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import type { JobTuning } from '../../src/gpu/fieldsJob.ts';
import type { ColourMode } from '../../src/gpu/layout.ts';
import type { View } from '../../src/model/view.ts';
import type { ColoursReply, FieldsCall, FieldsReply, ProgressiveReply } from './gpuPage.ts';

export interface GpuTestPage {
  harness: Harness;
  page: Page;
  consoleErrors: string[];
  fields(call: FieldsCall, before?: View): Promise<FieldsReply>;
  /** `tuning`: the computation's limits, e.g. every stride given computed (none skipped or jumped over). */
  progressive(call: FieldsCall, strides: number[], budgetMs: number, tuning?: JobTuning): Promise<ProgressiveReply>;
  colours(call: FieldsCall, mode: ColourMode, sigmaB: number): Promise<ColoursReply>;
}

export async function openGpuTestPage(): Promise<GpuTestPage> {
  const harness = await startHarness();
  try {
    const { page, consoleErrors } = await harness.newPage('/tests/support/gpu.html');
    await page.waitForFunction('window.gpuTest !== undefined');
    await page.evaluate('window.gpuTest.ready');
    type Page = {
      gpuTest: {
        fields(c: FieldsCall, b?: View): Promise<FieldsReply>;
        progressive(c: FieldsCall, s: number[], m: number, tuning: JobTuning): Promise<ProgressiveReply>;
        colours(c: FieldsCall, mode: ColourMode, sigmaB: number): Promise<ColoursReply>;
      };
    };
    const fields = (call: FieldsCall, before?: View): Promise<FieldsReply> =>
      page.evaluate((c, b) => (window as unknown as Page).gpuTest.fields(c, b ?? undefined), call, before ?? null);
    const progressive = (
      call: FieldsCall,
      strides: number[],
      budgetMs: number,
      tuning: JobTuning = {},
    ): Promise<ProgressiveReply> =>
      page.evaluate(
        (c, s, m, t) => (window as unknown as Page).gpuTest.progressive(c, s, m, t),
        call,
        strides,
        budgetMs,
        tuning,
      );
    const colours = (call: FieldsCall, mode: ColourMode, sigmaB: number): Promise<ColoursReply> =>
      page.evaluate((c, m, s) => (window as unknown as Page).gpuTest.colours(c, m, s), call, mode, sigmaB);
    return { harness, page, consoleErrors, fields, progressive, colours };
  } catch (error) {
    await harness.close();
    throw error;
  }
}
