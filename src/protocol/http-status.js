/**
 * The reason phrase for every HTTP status code this library may write, from one
 * table, so that no status line reads `408 Error`. Phrases are those of the IANA
 * HTTP Status Code Registry (RFC 9110 §15, plus RFC 6585's 428/429/431 and
 * RFC 7725's 451). Pure: Node's `http.STATUS_CODES` belongs to a transport.
 */
export const STATUS_REASONS = Object.freeze({
    100: 'Continue',
    101: 'Switching Protocols',
    200: 'OK',
    201: 'Created',
    202: 'Accepted',
    203: 'Non-Authoritative Information',
    204: 'No Content',
    205: 'Reset Content',
    206: 'Partial Content',
    300: 'Multiple Choices',
    301: 'Moved Permanently',
    302: 'Found',
    303: 'See Other',
    304: 'Not Modified',
    305: 'Use Proxy',
    307: 'Temporary Redirect',
    308: 'Permanent Redirect',
    400: 'Bad Request',
    401: 'Unauthorized',
    402: 'Payment Required',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    407: 'Proxy Authentication Required',
    408: 'Request Timeout',
    409: 'Conflict',
    410: 'Gone',
    411: 'Length Required',
    412: 'Precondition Failed',
    413: 'Content Too Large',
    414: 'URI Too Long',
    415: 'Unsupported Media Type',
    416: 'Range Not Satisfiable',
    417: 'Expectation Failed',
    421: 'Misdirected Request',
    422: 'Unprocessable Content',
    426: 'Upgrade Required',
    428: 'Precondition Required',
    429: 'Too Many Requests',
    431: 'Request Header Fields Too Large',
    451: 'Unavailable For Legal Reasons',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
    505: 'HTTP Version Not Supported',
});
/** RFC 9110 §15: a status the table lacks is understood by its class, so say the class. */
const CLASS_REASONS = ['Informational', 'Successful', 'Redirection', 'Client Error', 'Server Error'];
/**
 * The standard reason phrase for `status`; for an unregistered code in 100–599
 * the name of its class (RFC 9110 §15), and for anything else "Unknown".
 */
export function reasonPhrase(status) {
    const known = STATUS_REASONS[status];
    if (known !== undefined)
        return known;
    if (Number.isInteger(status) && status >= 100 && status <= 599)
        return CLASS_REASONS[Math.floor(status / 100) - 1];
    return 'Unknown';
}
/** `HTTP/1.1 <status> <reason phrase>` (RFC 9112 §4), without the CRLF. */
export function statusLine(status) {
    return `HTTP/1.1 ${status} ${reasonPhrase(status)}`;
}
//# sourceMappingURL=http-status.js.map