export class KallocError extends Error {
    code;
    constructor(code, message) {
        super(`${code}: ${message}`);
        this.name = 'KallocError';
        this.code = code;
    }
}
/** Renders a value for an error message: numbers exactly, strings quoted, the rest by type. */
export function show(value) {
    if (typeof value === 'number')
        return Object.is(value, -0) ? '-0' : String(value);
    if (typeof value === 'string')
        return JSON.stringify(value);
    if (typeof value === 'bigint')
        return `${value}n`;
    if (value === null || value === undefined)
        return String(value);
    if (Array.isArray(value))
        return 'an array';
    return typeof value === 'object' ? 'an object' : typeof value;
}
export function invalid(name, value, why) {
    return new KallocError('EINVAL', `${name} = ${show(value)}: ${why}`);
}
export function fault(message) {
    return new KallocError('EFAULT', message);
}
/** For check(): throws ECORRUPT naming the broken invariant when `ok` is false. */
export function invariant(ok, what) {
    if (!ok)
        throw new KallocError('ECORRUPT', typeof what === 'string' ? what : what());
}
//# sourceMappingURL=errors.js.map