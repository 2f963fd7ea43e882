/** One harness (Vite + Chromium on SwiftShader) per test file, with the GPU test page loaded. */
import type { Page } from 'puppeteer';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import type { FieldsCall, FieldsReply } from './gpuPage.ts';

export interface GpuTestPage {
  harness: Harness;
  page: Page;
  consoleErrors: string[];
  fields(call: FieldsCall): Promise<FieldsReply>;
}

export async function openGpuTestPage(): Promise<GpuTestPage> {
  const harness = await startHarness();
  try {
    const { page, consoleErrors } = await harness.newPage('/tests/support/gpu.html');
    await page.waitForFunction('window.gpuTest !== undefined');
    await page.evaluate('window.gpuTest.ready');
    const fields = (call: FieldsCall): Promise<FieldsReply> =>
      page.evaluate(
        (c) => (window as unknown as { gpuTest: { fields(c: FieldsCall): Promise<FieldsReply> } }).gpuTest.fields(c),
        call,
      );
    return { harness, page, consoleErrors, fields };
  } catch (error) {
    await harness.close();
    throw error;
  }
}
