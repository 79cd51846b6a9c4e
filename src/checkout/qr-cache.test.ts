import { describe, expect, it } from 'vitest';
import { createQrCache } from './qr-cache.ts';

/** A renderer that counts its calls: the cache must call it once per distinct code. */
function countingRenderer() {
  const rendered: string[] = [];
  return {
    rendered,
    render: async (text: string) => {
      rendered.push(text);
      return `<svg>${text}</svg>`;
    },
  };
}

describe('createQrCache', () => {
  it('renders each (key, text) once, a burst of requests included', async () => {
    const renderer = countingRenderer();
    const cache = createQrCache({ render: renderer.render });
    const svgs = await Promise.all([cache.get('inv_a', 'due 25.5'), cache.get('inv_a', 'due 25.5')]);
    expect(svgs).toEqual(['<svg>due 25.5</svg>', '<svg>due 25.5</svg>']);
    expect(await cache.get('inv_a', 'due 15.5')).toBe('<svg>due 15.5</svg>');
    expect(await cache.get('inv_a', 'due 25.5')).toBe('<svg>due 25.5</svg>');
    expect(renderer.rendered).toEqual(['due 25.5', 'due 15.5']);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const renderer = countingRenderer();
    const cache = createQrCache({ render: renderer.render, maxEntries: 2 });
    await cache.get('inv_a', 'a');
    await cache.get('inv_b', 'b');
    await cache.get('inv_a', 'a');
    await cache.get('inv_c', 'c');
    await cache.get('inv_a', 'a');
    expect(renderer.rendered).toEqual(['a', 'b', 'c']);
    await cache.get('inv_b', 'b');
    expect(renderer.rendered).toEqual(['a', 'b', 'c', 'b']);
  });

  it('forgets a failed render, so the next request tries again', async () => {
    let fail = true;
    const cache = createQrCache({
      render: async (text) => {
        if (fail) throw new Error('boom');
        return text;
      },
    });
    await expect(cache.get('inv_a', 'a')).rejects.toThrow('boom');
    fail = false;
    expect(await cache.get('inv_a', 'a')).toBe('a');
  });
});
