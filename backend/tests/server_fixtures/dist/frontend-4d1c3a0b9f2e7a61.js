export default function init() { return Promise.resolve(); }
