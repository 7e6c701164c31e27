// V8 settings for the gateway's process, applied when this module is imported, before the app
// allocates. No allocation-site pretenuring: after a burst of HTTP requests (a run of token mints,
// say) V8 began to allocate part of every new socket straight into the old generation, and the young
// objects those parts held then outlived every scavenge, open socket or closed, until a full
// collection. Without it a closed socket dies young (bench/profile/README.md).
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--no-allocation-site-pretenuring')
