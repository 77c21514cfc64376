"""A small, strict RESP2/RESP3 client codec for tests: encodes commands, parses every reply type.

Replies keep their wire type so tests can assert shapes, not just values:

  +OK            -> Status(b"OK")           (a bytes subclass)
  -ERR x         -> Error(b"ERR x")         (returned, never raised)
  :5             -> 5                       (int)
  $3 abc         -> b"abc"
  $-1 / *-1 / _  -> Null("$") / Null("*") / Null("_")   (all compare equal to NULL)
  *2 ...         -> [...]                   (list)
  %1 k v         -> Map([(k, v)])           (a list of pairs, in wire order; .dict())
  ~2 ...         -> Set([...])              (a list subclass, in wire order)
  >3 ...         -> Push([...])
  ,1.5           -> Double(1.5)             (a float subclass; .wire keeps the text)
  #t             -> True / False
  (123           -> BigNumber(123)
  =txt:abc       -> Verbatim(b"abc", b"txt")
  !5 ERR x       -> Error(b"ERR x") with .blob = True

shape(reply) reduces a reply to its type skeleton (nested tuples of type tags; map keys kept), for
comparing kizuna with redis-server where values legitimately differ (ids, versions, timestamps).
"""


def encode(*args):
    """A command as a RESP multibulk request. Arguments may be bytes, str or numbers."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, (bytes, bytearray)):
            a = str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class Status(bytes):
    def __repr__(self):
        return f"Status({bytes(self)!r})"


class Error(bytes):
    blob = False

    @property
    def code(self):
        """The error prefix: b"ERR", b"NOAUTH", b"WRONGPASS"..."""
        return self.split(b" ", 1)[0]

    def __repr__(self):
        return f"Error({bytes(self)!r})"


class Null:
    """A null reply; `kind` is the wire form: "$" ($-1), "*" (*-1) or "_" (RESP3)."""

    def __init__(self, kind):
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, Null)

    def __hash__(self):
        return 0

    def __bool__(self):
        return False

    def __repr__(self):
        return f"Null({self.kind!r})"


NULL = Null("_")


class Map(list):
    """A RESP3 map as a list of (key, value) pairs in wire order."""

    def dict(self):
        return {k: v for k, v in self}

    def field_names(self):
        return [k for k, _ in self]

    def __repr__(self):
        return f"Map({list.__repr__(self)})"


class Set(list):
    def __repr__(self):
        return f"Set({list.__repr__(self)})"


class Push(list):
    def __repr__(self):
        return f"Push({list.__repr__(self)})"


class Double(float):
    wire = b""


class BigNumber(int):
    pass


class Verbatim(bytes):
    fmt = b"txt"


class ProtocolViolation(AssertionError):
    """The server sent bytes that are not valid RESP."""


class Reader:
    """Parses replies from a byte source: `fill()` must append data to self.buf or raise EOFError."""

    def __init__(self, fill):
        self.buf = bytearray()
        self._fill = fill

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill(self)

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill(self)
        if self.buf[n:n + 2] != b"\r\n":
            raise ProtocolViolation(f"bulk of {n} bytes not followed by CRLF: {bytes(self.buf[:n + 2])!r}")
        data = bytes(self.buf[:n])
        del self.buf[:n + 2]
        return data

    def read(self):
        line = self._line()
        if not line:
            raise ProtocolViolation("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest)
        if t == b"-":
            return Error(rest)
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return Null("$") if n == -1 else self._exact(n)
        if t in (b"*", b"~", b">", b"%", b"|"):
            n = int(rest)
            if n == -1 and t == b"*":
                return Null("*")
            if t in (b"%", b"|"):
                pairs = Map((self.read(), self.read()) for _ in range(n))
                if t == b"|":  # attributes precede the real reply
                    return self.read()
                return pairs
            items = [self.read() for _ in range(n)]
            return {b"*": list, b"~": Set, b">": Push}[t](items)
        if t == b"_":
            return Null("_")
        if t == b",":
            d = Double(float(rest))
            d.wire = rest
            return d
        if t == b"#":
            if rest not in (b"t", b"f"):
                raise ProtocolViolation(f"bad boolean {line!r}")
            return rest == b"t"
        if t == b"(":
            return BigNumber(int(rest))
        if t in (b"=", b"!"):
            data = self._exact(int(rest))
            if t == b"!":
                e = Error(data)
                e.blob = True
                return e
            if data[3:4] != b":":
                raise ProtocolViolation(f"verbatim string without a format: {data[:8]!r}")
            v = Verbatim(data[4:])
            v.fmt = data[:3]
            return v
        raise ProtocolViolation(f"unknown reply type in {line[:80]!r}")


def shape(reply):
    """The type skeleton of a reply: values dropped, types and nesting kept.

    Strings, statuses, integers... become one-letter tags; containers keep their elements
    (maps keep their keys, since those are part of the shape), so two servers that answer the
    same command with the same structure but different ids or versions compare equal."""
    if isinstance(reply, Map):
        return ("%", tuple((k if isinstance(k, bytes) else shape(k), shape(v)) for k, v in reply))
    if isinstance(reply, Set):
        return ("~", tuple(shape(x) for x in reply))
    if isinstance(reply, Push):
        return (">", tuple(shape(x) for x in reply))
    if isinstance(reply, list):
        return ("*", tuple(shape(x) for x in reply))
    if isinstance(reply, Null):
        return "null" + reply.kind
    for cls, tag in ((Status, "+"), (Error, "-"), (Verbatim, "="), (bool, "#"), (BigNumber, "("),
                     (int, ":"), (Double, ","), (bytes, "$")):
        if isinstance(reply, cls):
            return tag
    raise TypeError(type(reply))
