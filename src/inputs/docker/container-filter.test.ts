import { describe, expect, it } from 'vitest';
import { ContainerFilter } from './container-filter.js';
import { selectorSchema } from './options.js';

const none = selectorSchema.parse({});
const web = { name: 'web-1', image: 'nginx:1.27', labels: { app: 'shop', tier: 'front' } };
const movedImage = { ...web, image: 'sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741' };
const shortId = { ...web, image: '3f57d9401f8d' };

describe('ContainerFilter', () => {
  it.each([
    ['everything', none, none, web, true],
    ['name glob', selectorSchema.parse({ names: ['web-*'] }), none, web, true],
    ['name glob, other name', selectorSchema.parse({ names: ['db-*'] }), none, web, false],
    ['label key', selectorSchema.parse({ labels: ['app'] }), none, web, true],
    ['label key=value, all of them', selectorSchema.parse({ labels: ['app=shop', 'tier=back'] }), none, web, false],
    ['image glob', selectorSchema.parse({ images: ['nginx:*'] }), none, web, true],
    ['image glob, other image', selectorSchema.parse({ images: ['redis:*'] }), none, web, false],
    ['excluded by label', none, selectorSchema.parse({ labels: ['tier=front'] }), web, false],
    ['excluded by image', none, selectorSchema.parse({ images: ['nginx:*'] }), web, false],
  ])('%s', (_, include, exclude, container, expected) => {
    const filter = new ContainerFilter(include, exclude);
    expect(filter.matches(container)).toBe(expected);
    // a listing with the image's name says the same as inspect
    expect(filter.mayMatch(container)).toBe(expected);
  });

  it('a listing that shows an image ID (its name moved to another image) is not judged on image rules', () => {
    const onlyRedis = new ContainerFilter(selectorSchema.parse({ images: ['redis:*'] }), none);
    const noNginx = new ContainerFilter(none, selectorSchema.parse({ images: ['nginx:*'] }));
    for (const listed of [movedImage, shortId]) {
      expect(onlyRedis.mayMatch(listed)).toBe(true);
      expect(noNginx.mayMatch(listed)).toBe(true);
    }
    // names and labels are the same in a listing and in inspect: still judged
    expect(new ContainerFilter(selectorSchema.parse({ labels: ['app=other'] }), none).mayMatch(movedImage)).toBe(false);
  });
});
