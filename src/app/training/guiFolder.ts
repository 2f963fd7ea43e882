/**
 * The panel's "Training" folder: train / pause / reset first (the folder's settings run below the window's edge of a
 * laptop otherwise), then a control per row of the training table (src/settings/training.ts), named and explained
 * by it. Values are typed as text and go through the table's parser: a bad one gets a message and the control shows
 * the previous value again.
 */
import type GUI from 'lil-gui';
import type { Controller } from 'lil-gui';
import { formatTraining, kTrainingKeys, kTrainingTable, type TrainingSettings } from '../../settings/training.ts';
import { kDatasets } from '../../train/datasets.ts';
import { kOptimizers } from '../../train/trainer.ts';
import type { TrainingSession } from './session.ts';

const kChoices: Partial<Record<keyof TrainingSettings, readonly string[]>> = {
  dataset: kDatasets,
  optimizer: kOptimizers,
};

export function addTrainingFolder(gui: GUI, session: TrainingSession): () => void {
  const folder = gui.addFolder('Training');
  const actions = {
    train: () => session.train(),
    pause: () => session.pause(),
    reset: () => session.reset(),
  };
  const train = folder.add(actions, 'train').name('train');
  const pause = folder.add(actions, 'pause').name('pause');
  const reset = folder.add(actions, 'reset').name('reset');
  train.domElement.title = 'start training (or resume a paused run whose settings did not change); runs in a worker';
  pause.domElement.title = 'pause the run (train resumes it)';
  reset.domElement.title = 'end the run and forget its checkpoints (the net shown stays)';
  // The panel edits this proxy, text for every row; onFinishChange hands the text to the session.
  const proxy: Record<string, string> = {};
  const controllers: Controller[] = [];
  for (const key of kTrainingKeys) {
    const row = kTrainingTable[key];
    proxy[key] = formatTraining(key, session.settings[key]);
    const choices = kChoices[key];
    const controller = choices ? folder.add(proxy, key, [...choices]) : folder.add(proxy, key);
    controller.name(row.name ?? key).onFinishChange((text: string) => session.edit(key, String(text)));
    controller.domElement.title = row.help;
    controllers.push(controller);
  }
  folder.close();
  return () => {
    kTrainingKeys.forEach((key, i) => {
      const controller = controllers[i];
      // Not the field being typed in: the session refreshes the panel as the run goes on.
      if (!controller || controller.domElement.contains(document.activeElement)) return;
      proxy[key] = formatTraining(key, session.settings[key]);
      controller.updateDisplay();
    });
    train.name(session.state === 'paused' ? 'train (resume)' : 'train');
    pause.enable(session.state === 'running');
    reset.enable(session.state !== 'none');
  };
}
