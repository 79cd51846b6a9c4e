import { createInterface } from 'node:readline/promises';

/**
 * The text given on stdin, for values that must not be typed as arguments (they would land in
 * shell history). From a terminal: one line, after a prompt on stderr; from a pipe: all of it.
 */
export async function readStdin(prompt: string): Promise<string> {
  if (process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await lines.question(prompt);
    } finally {
      lines.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
