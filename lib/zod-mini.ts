// The config's schemas (and the fence result's) are built at every CLI start and Lambda cold
// start; zod/mini builds and parses the same schemas in about half the time of classic zod
// (bench:cli prints both). Unlike classic zod, mini does not install zod's English messages by
// itself: without them every issue would read "Invalid input". They are installed here, once,
// before any schema from this module parses (package.json lists this file under "sideEffects", so
// bundlers keep that call although importers use only the re-exported names).
import * as z from 'zod/mini';
import { en } from 'zod/locales';

z.config(en());

export * from 'zod/mini';
