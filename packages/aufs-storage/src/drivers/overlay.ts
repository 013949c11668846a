import { join } from 'node:path';
import { mountFs } from '../util/mounts';
import { overlayMountOptions } from './mount-options';
import { UnionDriver } from './union-driver';

export class OverlayDriver extends UnionDriver {
  readonly name = 'overlay';

  protected async mountUnion(dir: string, lowers: string[]): Promise<void> {
    await mountFs('overlay', 'overlay', join(dir, 'merged'), overlayMountOptions(lowers, 'diff', 'work'), dir);
  }

  protected override describeUnion(lowers: string[]): { type: string; source: string; options: string } {
    return { type: 'overlay', source: 'overlay', options: overlayMountOptions(lowers, 'diff', 'work') };
  }
}
