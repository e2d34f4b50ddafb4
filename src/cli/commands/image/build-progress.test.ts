import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildProgressView } from './build-progress.ts';

/** Just enough of a terminal for the view's escapes: cursor up (ESC[nA), CR, erase below (ESC[J), SGR ignored. */
class Screen {
  lines: string[] = [''];
  row = 0;
  write(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
      const esc = /^\u001b\[(\d*)([AJm])/.exec(s.slice(i));
      if (esc) {
        if (esc[2] === 'A') this.row = Math.max(0, this.row - Number(esc[1] || 1));
        if (esc[2] === 'J') this.lines.length = this.row + 1, this.lines[this.row] = '';
        i += esc[0].length - 1;
      } else if (s[i] === '\r') {
        this.lines[this.row] = '';
      } else if (s[i] === '\n') {
        this.row++;
        this.lines[this.row] ??= '';
      } else {
        this.lines[this.row] += s[i];
      }
    }
    return true;
  }
  text(): string {
    return this.lines.join('\n').trimEnd();
  }
}

test('finished steps collapse to one line; the running one shows its last five lines', () => {
  const screen = new Screen();
  const view = new BuildProgressView(screen as unknown as NodeJS.WritableStream, 60);
  view.write('Step 1/3 : FROM busybox\n ---> 0fd93fb87e78\nStep 2/3 : RUN make\n ---> Running in e960bbf9d8a3\n');
  for (let i = 1; i <= 7; i++) view.write(`out-${i}\n`);
  const running = screen.text().split('\n');
  assert.match(running[0], /^✔ \[1\/3\] FROM busybox\s+\d+\.\ds$/);
  assert.match(running[1], /^\S \[2\/3\] RUN make\s+\d+\.\ds$/);
  assert.deepEqual(running.slice(2).map((l) => l.trim()), ['out-3', 'out-4', 'out-5', 'out-6', 'out-7']);
  view.write('Removing intermediate container e960bbf9d8a3\n ---> 7c6d21a9ea13\nStep 3/3 : CMD ["sh"]\n ---> Using cache\n ---> 0db9ccf12f7d\n');
  view.write('Successfully built 0db9ccf12f7d\nSuccessfully tagged b1:latest\n');
  view.close({ failed: false });
  const done = screen.text().split('\n');
  assert.equal(done.length, 5);
  assert.match(done[1], /^✔ \[2\/3\] RUN make\s+\d+\.\ds$/);
  assert.match(done[2], /^✔ \[3\/3\] CMD \["sh"\]\s+CACHED$/);
  assert.deepEqual(done.slice(3), ['Successfully built 0db9ccf12f7d', 'Successfully tagged b1:latest']);
  assert.ok(done.every((l) => l.length <= 60), 'lines fit the terminal width');
});

test('a failed step keeps its output on screen', () => {
  const screen = new Screen();
  const view = new BuildProgressView(screen as unknown as NodeJS.WritableStream, 80);
  view.write('Step 1/2 : FROM busybox\n ---> 0fd93fb87e78\nStep 2/2 : RUN false\n ---> Running in b925e175953b\nsomething went wrong\n');
  view.close({ failed: true });
  const lines = screen.text().split('\n');
  assert.match(lines[1], /^✘ \[2\/2\] RUN false/);
  assert.equal(lines[2].trim(), 'something went wrong');
});
