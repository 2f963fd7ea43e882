/** The panel's "Training" folder: the data set, the net and the optimizer of a run, and train / pause / reset. */
import type GUI from 'lil-gui';
import type { Controller } from 'lil-gui';
import { kDatasets } from '../../train/datasets.ts';
import { kOptimizers } from '../../train/trainer.ts';
import type { TrainingSession } from './session.ts';

export function addTrainingFolder(gui: GUI, session: TrainingSession): () => void {
  const folder = gui.addFolder('Training');
  const s = session.settings;
  const controls: [Controller, string][] = [
    [
      folder.add(s, 'dataset', [...kDatasets]).name('data set'),
      '2-D sets drawn over the picture, or MNIST (784 inputs, seen through a plane)',
    ],
    [
      folder.add(s, 'noise').min(0).step(0.01).name('noise'),
      'standard deviation of the Gaussian noise added to the 2-D points',
    ],
    [
      folder.add(s, 'samples').min(10).step(1).name('samples'),
      'points of a 2-D set; a fifth are held out as the test set (hollow)',
    ],
    [
      folder.add(s, 'widths').name('widths (trained)'),
      'hidden widths of the net trained (He init, one output per class)',
    ],
    [folder.add(s, 'optimizer', [...kOptimizers]).name('optimizer'), "Adam (PyTorch's defaults) or plain SGD"],
    [folder.add(s, 'lr').step(0.0001).name('learning rate'), 'the step size of the optimizer'],
    [folder.add(s, 'batch').step(1).name('batch'), 'samples per step (minibatches reshuffled every epoch)'],
    [folder.add(s, 'steps').step(1).name('steps'), 'steps of the run (unless epochs is more than 0)'],
    [
      folder.add(s, 'epochs').min(0).step(1).name('epochs (0: steps)'),
      'passes over the training set; 0: train for the steps',
    ],
    [
      folder.add(s, 'seed').step(1).name('seed (training)'),
      'seed of the data set, the initial weights and the batch order',
    ],
  ];
  const actions = {
    train: () => session.train(),
    pause: () => session.pause(),
    reset: () => session.reset(),
  };
  const train = folder.add(actions, 'train').name('train');
  const pause = folder.add(actions, 'pause').name('pause');
  const reset = folder.add(actions, 'reset').name('reset');
  controls.push(
    [train, 'start training (or resume a paused run whose settings did not change); runs in a worker'],
    [pause, 'pause the run (train resumes it)'],
    [reset, 'end the run and forget its checkpoints (the net shown stays)'],
  );
  for (const [controller, help] of controls) controller.domElement.title = help;
  folder.close();
  return () => {
    train.name(session.state === 'paused' ? 'train (resume)' : 'train');
    pause.enable(session.state === 'running');
    reset.enable(session.state !== 'none');
  };
}
