<?php
// Who may do what, per admin role, on top of WHMCS's own Access Control for the addon.
//
// Stored as JSON in tbladdonmodules (setting 'permissions'): {"1": ["view","sync","configure"], ...}.
// Without a stored matrix only role 1 (Full Administrator) may do anything.

namespace WHMCS\Module\Addon\ChartMogul;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Database\Capsule;

final class Permissions
{
    /** Open any tab. */
    public const VIEW = 'view';
    /** Start syncs and test the connection. */
    public const SYNC = 'sync';
    /** Save settings, trial rules, log retention and this matrix. */
    public const CONFIGURE = 'configure';

    public const ALL = [self::VIEW, self::SYNC, self::CONFIGURE];

    public const FULL_ADMINISTRATOR_ROLE = 1;

    /** @var array<int, list<string>> role id => granted permissions */
    private array $matrix;

    /** @param array<int, list<string>> $matrix */
    private function __construct(array $matrix)
    {
        $this->matrix = $matrix;
    }

    public static function load(AddonSettings $settings): self
    {
        $json = $settings->get(AddonSettings::PERMISSIONS);
        $decoded = $json === '' ? null : json_decode($json, true);
        if (!is_array($decoded)) {
            return self::defaults();
        }
        return new self(self::normalise($decoded));
    }

    public static function defaults(): self
    {
        return new self([self::FULL_ADMINISTRATOR_ROLE => self::ALL]);
    }

    /**
     * Builds a matrix from the Settings form (perm[ROLE][PERM] = 1). Granting sync or configure
     * also grants view: neither is reachable without opening the addon.
     * @param array<mixed> $posted
     */
    public static function fromForm(array $posted): self
    {
        $matrix = [];
        foreach ($posted as $roleId => $perms) {
            if (!is_array($perms)) {
                continue;
            }
            $matrix[(int) $roleId] = array_keys(array_filter($perms));
        }
        return new self(self::normalise($matrix));
    }

    /**
     * @param array<mixed> $raw
     * @return array<int, list<string>>
     */
    private static function normalise(array $raw): array
    {
        $matrix = [];
        foreach ($raw as $roleId => $perms) {
            $roleId = (int) $roleId;
            if ($roleId <= 0 || !is_array($perms)) {
                continue;
            }
            $granted = array_values(array_intersect(self::ALL, array_map('strval', $perms)));
            if ($granted !== [] && !in_array(self::VIEW, $granted, true)) {
                array_unshift($granted, self::VIEW);
            }
            $matrix[$roleId] = $granted;
        }
        return $matrix;
    }

    public function roleHas(int $roleId, string $permission): bool
    {
        return in_array($permission, $this->matrix[$roleId] ?? [], true);
    }

    public function allows(?AdminUser $admin, string $permission): bool
    {
        return $admin !== null && $this->roleHas($admin->roleId, $permission);
    }

    public function save(AddonSettings $settings): void
    {
        $out = [];
        foreach ($this->matrix as $roleId => $perms) {
            $out[(string) $roleId] = $perms;
        }
        $settings->set(AddonSettings::PERMISSIONS, (string) json_encode($out));
    }

    /** @return list<object{id:int,name:string}> every admin role, by id */
    public static function roles(): array
    {
        $rows = Capsule::table('tbladminroles')->orderBy('id')->get(['id', 'name']);
        $roles = [];
        foreach ($rows as $row) {
            $roles[] = (object) ['id' => (int) $row->id, 'name' => (string) $row->name];
        }
        return $roles;
    }

    /**
     * Role ids WHMCS lets open the addon at all (tbladdonmodules 'access', whmcs.md §1.7).
     * @return list<int>
     */
    public static function whmcsAccessRoles(AddonSettings $settings): array
    {
        $ids = array_filter(array_map('trim', explode(',', $settings->get('access'))), 'ctype_digit');
        return array_map('intval', array_values($ids));
    }
}
