/** The panel's "Input plane" folder: the slice a net of many inputs is seen through, and the MNIST demo. */
import type GUI from 'lil-gui';
import { kMnistTrainPerDigit } from '../model/mnist.ts';
import { kSettingsTable } from '../settings/settings.ts';
import type { App } from './app.ts';

/** A test image (sample 800..859 of a random digit: digit 5 has 863 samples): the fixture model was trained on samples 0..799. */
function randomTestImage(): string {
  const digit = Math.floor(Math.random() * 10);
  return `${digit}/${kMnistTrainPerDigit + Math.floor(Math.random() * 60)}`;
}

export function addPlaneFolder(gui: GUI, app: App, apply: (key: 'plane', value: string) => void): () => void {
  const folder = gui.addFolder('Input plane');
  const proxy = {
    plane: app.settings.plane,
    threeImages: () => apply('plane', `mnist:${[0, 1, 2].map(randomTestImage).join(',')}`),
    randomDirections: () => apply('plane', `random:${Math.floor(Math.random() * 1000)}:${randomTestImage()}`),
    demo: () => {
      app.update({ net: 'mnist-mlp', plane: 'mnist:3/800,5/800,8/800', layers: 0, mode: 'decision' });
    },
  };
  const plane = folder
    .add(proxy, 'plane')
    .name('plane')
    .onFinishChange((text: string) => apply('plane', text));
  plane.domElement.title = kSettingsTable.plane.help;
  const three = folder.add(proxy, 'threeImages').name('through 3 random test images');
  three.domElement.title = 'the plane of the papers: through three MNIST test images (o = the first)';
  const directions = folder.add(proxy, 'randomDirections').name('random directions through an image');
  directions.domElement.title = 'two random orthonormal directions through a random MNIST test image';
  const demo = folder.add(proxy, 'demo').name('MNIST demo (784-64-64-64-10)');
  demo.domElement.title =
    'a PyTorch MLP trained on the mnist package (92.9% test accuracy), seen through the plane of three test images';
  return () => {
    proxy.plane = app.settings.plane;
    const mnist = app.sliced.model.inputDim === 784;
    three.enable(mnist);
    directions.enable(mnist);
    plane.updateDisplay();
  };
}
