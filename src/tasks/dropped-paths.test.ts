import { describe, expect, it } from 'vitest';
import { placeDroppedFiles } from './dropped-paths';

const drop = (...paths: string[]) => paths.map((path) => ({ path, file: path }));
const classes = (placement: ReturnType<typeof placeDroppedFiles<string>>) =>
  placement.placed.map(({ className, fileName }) => `${className}:${fileName}`);

describe('placeDroppedFiles', () => {
  it('makes each subfolder of a dropped folder a class', () => {
    const placement = placeDroppedFiles(drop('pets/cat/01.png', 'pets/cat/02.png', 'pets/dog/01.png'));
    expect(classes(placement)).toEqual(['cat:01.png', 'cat:02.png', 'dog:01.png']);
    expect(placement.skipped).toEqual([]);
  });

  it('ignores the leading slash of a drop entry path', () => {
    expect(classes(placeDroppedFiles(drop('/pets/cat/01.png')))).toEqual(['cat:01.png']);
  });

  it('puts images in deeper folders into the class folder they are under', () => {
    const placement = placeDroppedFiles(drop('pets/dog/puppies/small/01.png', 'pets/dog/02.png'));
    expect(classes(placement)).toEqual(['dog:01.png', 'dog:02.png']);
  });

  it('makes a folder holding only images one class named after it', () => {
    const placement = placeDroppedFiles(drop('cat/01.png', 'dog/01.png'));
    expect(classes(placement)).toEqual(['cat:01.png', 'dog:01.png']);
  });

  it('skips images loose at the top of a folder of class folders', () => {
    const placement = placeDroppedFiles(drop('pets/cat/01.png', 'pets/readme.png'));
    expect(classes(placement)).toEqual(['cat:01.png']);
    expect(placement.skipped).toEqual([
      { path: 'pets/readme.png', reason: 'at the top of pets, not in a class subfolder' },
    ]);
  });

  it('skips loose files dropped on the page, saying where they can go', () => {
    const placement = placeDroppedFiles(drop('01.png'));
    expect(placement.placed).toEqual([]);
    expect(placement.skipped[0]?.reason).toMatch(/loose file: drop it onto a class card/);
  });

  it('puts every file dropped onto a class card into that class, folders or not', () => {
    const placement = placeDroppedFiles(drop('01.png', 'more/02.png', 'a/b/c/03.png'), 'cat');
    expect(classes(placement)).toEqual(['cat:01.png', 'cat:02.png', 'cat:03.png']);
  });

  it('skips hidden and system files with the reason, on the page and on a card', () => {
    const paths = ['pets/.DS_Store', 'pets/cat/.hidden.png', 'pets/.git/x/01.png', 'pets/cat/Thumbs.db'];
    for (const onto of [null, 'cat']) {
      const placement = placeDroppedFiles(drop(...paths, 'pets/cat/01.png'), onto);
      expect(classes(placement)).toEqual(['cat:01.png']);
      expect(placement.skipped).toEqual([
        { path: 'pets/.DS_Store', reason: 'hidden file' },
        { path: 'pets/cat/.hidden.png', reason: 'hidden file' },
        { path: 'pets/.git/x/01.png', reason: 'in the hidden folder .git' },
        {
          path: 'pets/cat/Thumbs.db',
          reason: 'Thumbs.db is left by the operating system, not part of the data',
        },
      ]);
    }
  });

  it('does not let hidden files make a folder of images look like a folder of folders', () => {
    const placement = placeDroppedFiles(drop('cat/01.png', 'cat/.thumbnails/01.png'));
    expect(classes(placement)).toEqual(['cat:01.png']);
  });
});
