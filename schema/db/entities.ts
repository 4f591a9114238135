import { Region } from '../regions/region.entity';

/** Every entity of the hub, listed explicitly so discovery is the same under tsc, vitest and the CLI. */
export const ENTITIES = [Region];
