<?php
// Checks that php-ext/chartmogul_sync.stubs.php declares exactly what the built extension
// exports: every class (and parent), method, parameter (name, type, default) and return type.
//
//   php tests/php/stub_signatures.php EXTENSION.so
//
// It runs itself twice — once with the extension loaded and once with only the stub file
// included — and compares the two signature lists.
declare(strict_types=1);

const NS = 'ChartMogulSync\\';

function signatures(): array
{
    $out = [];
    $names = array_merge(get_declared_classes(), array_map(fn ($f) => $f, get_defined_functions()['internal'] ?? []), get_defined_functions()['user'] ?? []);
    foreach (get_declared_classes() as $class) {
        if (strncasecmp($class, NS, strlen(NS)) !== 0) {
            continue;
        }
        $rc = new ReflectionClass($class);
        $parent = $rc->getParentClass();
        $out[] = 'class ' . $rc->getName() . ($parent ? ' extends ' . $parent->getName() : '') . ($rc->isFinal() ? ' final' : '');
        foreach ($rc->getMethods() as $m) {
            if ($m->getDeclaringClass()->getName() !== $rc->getName()) {
                continue;
            }
            $out[] = '  ' . $rc->getName() . '::' . describe($m);
        }
    }
    $functions = array_merge(get_defined_functions()['internal'], get_defined_functions()['user']);
    foreach ($functions as $f) {
        if (strncasecmp($f, NS, strlen(NS)) === 0) {
            $out[] = 'function ' . describe(new ReflectionFunction($f));
        }
    }
    sort($out);
    return $out;
}

function describe(ReflectionFunctionAbstract $f): string
{
    $params = [];
    foreach ($f->getParameters() as $p) {
        $s = ($p->hasType() ? (string) $p->getType() . ' ' : '') . '$' . $p->getName();
        if ($p->isDefaultValueAvailable()) {
            $s .= ' = ' . var_export($p->getDefaultValue(), true);
        } elseif ($p->isOptional()) {
            $s .= ' = ?';
        }
        $params[] = $s;
    }
    $ret = $f->hasReturnType() ? ': ' . $f->getReturnType() : '';
    return strtolower($f->getName()) . '(' . implode(', ', $params) . ')' . $ret;
}

$mode = $argv[2] ?? null;
if ($mode === '--dump-loaded') {
    echo json_encode(signatures());
    exit(0);
}
if ($mode === '--dump-stub') {
    require __DIR__ . '/../../php-ext/chartmogul_sync.stubs.php';
    echo json_encode(signatures());
    exit(0);
}
$ext = $argv[1] ?? '';
if ($ext === '' || !is_file($ext)) {
    fwrite(STDERR, "usage: php tests/php/stub_signatures.php EXTENSION.so\n");
    exit(2);
}
$php = escapeshellarg(PHP_BINARY);
$self = escapeshellarg(__FILE__);
$loaded = json_decode((string) shell_exec("$php -n -d extension=" . escapeshellarg($ext) . " $self x --dump-loaded"), true);
$stub = json_decode((string) shell_exec("$php -n $self x --dump-stub"), true);
if (!is_array($loaded) || !is_array($stub) || $loaded === []) {
    fwrite(STDERR, "could not read the signatures (is the extension loadable?)\n");
    exit(1);
}
$missing = array_diff($loaded, $stub);
$extra = array_diff($stub, $loaded);
if ($missing || $extra) {
    foreach ($missing as $l) {
        fwrite(STDERR, "in the extension, not in the stub: $l\n");
    }
    foreach ($extra as $l) {
        fwrite(STDERR, "in the stub, not in the extension: $l\n");
    }
    exit(1);
}
echo count($loaded), " declarations: php-ext/chartmogul_sync.stubs.php matches the extension\n";
