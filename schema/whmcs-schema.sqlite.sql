-- WHMCS 8.4 schema for SQLite: the tables and columns of whmcs-schema.mysql.sql (a verbatim
-- copy of the WHMCS DDL), translated by tests/schema.rs. Do not edit by hand; regenerate with
--   WHMCS_UPDATE_SCHEMA=1 cargo test --test schema
--
-- Translation: decimal columns become TEXT (money stays exact decimal text, never REAL);
-- enum/varchar/text and date/datetime/timestamp become TEXT with the same defaults (zero
-- dates included); integer types become INTEGER; AUTO_INCREMENT ids become INTEGER PRIMARY
-- KEY AUTOINCREMENT; KEYs become indexes named <table>_<key>; MySQL table options, collations
-- and prefix lengths are dropped. Unlike MySQL in a non-strict sql_mode, SQLite enforces
-- NOT NULL on insert, so writers give every NOT NULL column without a default a value.

CREATE TABLE IF NOT EXISTS `tblclients` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `uuid` TEXT NOT NULL DEFAULT '',
  `firstname` TEXT NOT NULL,
  `lastname` TEXT NOT NULL,
  `companyname` TEXT NOT NULL,
  `email` TEXT NOT NULL,
  `address1` TEXT NOT NULL,
  `address2` TEXT NOT NULL,
  `city` TEXT NOT NULL,
  `state` TEXT NOT NULL,
  `postcode` TEXT NOT NULL,
  `country` TEXT NOT NULL,
  `phonenumber` TEXT NOT NULL,
  `tax_id` TEXT NOT NULL DEFAULT '',
  `password` TEXT NOT NULL,
  `authmodule` TEXT NOT NULL,
  `authdata` TEXT NOT NULL,
  `currency` INTEGER NOT NULL,
  `defaultgateway` TEXT NOT NULL,
  `credit` TEXT NOT NULL,
  `taxexempt` INTEGER NOT NULL,
  `latefeeoveride` INTEGER NOT NULL,
  `overideduenotices` INTEGER NOT NULL,
  `separateinvoices` INTEGER NOT NULL,
  `disableautocc` INTEGER NOT NULL,
  `datecreated` TEXT NOT NULL,
  `notes` TEXT NOT NULL,
  `billingcid` INTEGER NOT NULL,
  `securityqid` INTEGER NOT NULL,
  `securityqans` TEXT NOT NULL,
  `groupid` INTEGER NOT NULL,
  `cardtype` TEXT NOT NULL DEFAULT '',
  `cardlastfour` TEXT NOT NULL,
  `cardnum` BLOB NOT NULL,
  `startdate` BLOB NOT NULL,
  `expdate` BLOB NOT NULL,
  `issuenumber` BLOB NOT NULL,
  `bankname` TEXT NOT NULL,
  `banktype` TEXT NOT NULL,
  `bankcode` BLOB NOT NULL,
  `bankacct` BLOB NOT NULL,
  `gatewayid` TEXT NOT NULL,
  `lastlogin` TEXT DEFAULT NULL,
  `ip` TEXT NOT NULL,
  `host` TEXT NOT NULL,
  `status` TEXT NOT NULL DEFAULT 'Active',
  `language` TEXT NOT NULL,
  `pwresetkey` TEXT NOT NULL,
  `emailoptout` INTEGER NOT NULL,
  `marketing_emails_opt_in` INTEGER NOT NULL DEFAULT 0,
  `overrideautoclose` INTEGER NOT NULL,
  `allow_sso` INTEGER NOT NULL DEFAULT 1,
  `email_verified` INTEGER NOT NULL DEFAULT 0,
  `email_preferences` TEXT DEFAULT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `pwresetexpiry` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblclients_firstname_lastname` ON `tblclients` (`firstname`, `lastname`);
CREATE INDEX IF NOT EXISTS `tblclients_email` ON `tblclients` (`email`);

CREATE TABLE IF NOT EXISTS `tblclientgroups` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `groupname` TEXT NOT NULL,
  `groupcolour` TEXT DEFAULT NULL,
  `discountpercent` TEXT DEFAULT '0.00',
  `susptermexempt` TEXT DEFAULT NULL,
  `separateinvoices` TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS `tblcurrencies` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `code` TEXT NOT NULL,
  `prefix` TEXT NOT NULL,
  `suffix` TEXT NOT NULL,
  `format` INTEGER NOT NULL,
  `rate` TEXT NOT NULL DEFAULT '1.00000',
  `default` INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS `tblproducts` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `type` TEXT NOT NULL,
  `gid` INTEGER NOT NULL,
  `name` TEXT NOT NULL,
  `slug` TEXT NOT NULL DEFAULT '',
  `description` TEXT NOT NULL,
  `hidden` INTEGER NOT NULL,
  `showdomainoptions` INTEGER NOT NULL,
  `welcomeemail` INTEGER NOT NULL DEFAULT 0,
  `stockcontrol` INTEGER NOT NULL,
  `qty` INTEGER NOT NULL DEFAULT 0,
  `proratabilling` INTEGER NOT NULL,
  `proratadate` INTEGER NOT NULL,
  `proratachargenextmonth` INTEGER NOT NULL,
  `paytype` TEXT NOT NULL,
  `allowqty` INTEGER NOT NULL,
  `subdomain` TEXT NOT NULL,
  `autosetup` TEXT NOT NULL,
  `servertype` TEXT NOT NULL,
  `servergroup` INTEGER NOT NULL,
  `configoption1` TEXT NOT NULL,
  `configoption2` TEXT NOT NULL,
  `configoption3` TEXT NOT NULL,
  `configoption4` TEXT NOT NULL,
  `configoption5` TEXT NOT NULL,
  `configoption6` TEXT NOT NULL,
  `configoption7` TEXT NOT NULL,
  `configoption8` TEXT NOT NULL,
  `configoption9` TEXT NOT NULL,
  `configoption10` TEXT NOT NULL,
  `configoption11` TEXT NOT NULL,
  `configoption12` TEXT NOT NULL,
  `configoption13` TEXT NOT NULL,
  `configoption14` TEXT NOT NULL,
  `configoption15` TEXT NOT NULL,
  `configoption16` TEXT NOT NULL,
  `configoption17` TEXT NOT NULL,
  `configoption18` TEXT NOT NULL,
  `configoption19` TEXT NOT NULL,
  `configoption20` TEXT NOT NULL,
  `configoption21` TEXT NOT NULL,
  `configoption22` TEXT NOT NULL,
  `configoption23` TEXT NOT NULL,
  `configoption24` TEXT NOT NULL,
  `freedomain` TEXT NOT NULL,
  `freedomainpaymentterms` TEXT NOT NULL,
  `freedomaintlds` TEXT NOT NULL,
  `recurringcycles` INTEGER NOT NULL,
  `autoterminatedays` INTEGER NOT NULL,
  `autoterminateemail` INTEGER NOT NULL DEFAULT 0,
  `configoptionsupgrade` INTEGER NOT NULL,
  `billingcycleupgrade` TEXT NOT NULL,
  `upgradeemail` INTEGER NOT NULL DEFAULT 0,
  `overagesenabled` TEXT NOT NULL,
  `overagesdisklimit` INTEGER NOT NULL,
  `overagesbwlimit` INTEGER NOT NULL,
  `overagesdiskprice` TEXT NOT NULL,
  `overagesbwprice` TEXT NOT NULL,
  `tax` INTEGER NOT NULL,
  `affiliateonetime` INTEGER NOT NULL,
  `affiliatepaytype` TEXT NOT NULL,
  `affiliatepayamount` TEXT NOT NULL,
  `order` INTEGER NOT NULL DEFAULT 0,
  `retired` INTEGER NOT NULL,
  `is_featured` INTEGER NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblproducts_gid` ON `tblproducts` (`gid`);
CREATE INDEX IF NOT EXISTS `tblproducts_name` ON `tblproducts` (`name`);

CREATE TABLE IF NOT EXISTS `tblproductgroups` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `name` TEXT NOT NULL,
  `slug` TEXT NOT NULL DEFAULT '',
  `headline` TEXT DEFAULT NULL,
  `tagline` TEXT DEFAULT NULL,
  `orderfrmtpl` TEXT NOT NULL,
  `disabledgateways` TEXT NOT NULL,
  `hidden` INTEGER NOT NULL,
  `order` INTEGER NOT NULL DEFAULT 0,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblproductgroups_order` ON `tblproductgroups` (`order`);

CREATE TABLE IF NOT EXISTS `tblpricing` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `type` TEXT NOT NULL,
  `currency` INTEGER NOT NULL,
  `relid` INTEGER NOT NULL,
  `msetupfee` TEXT NOT NULL,
  `qsetupfee` TEXT NOT NULL,
  `ssetupfee` TEXT NOT NULL,
  `asetupfee` TEXT NOT NULL,
  `bsetupfee` TEXT NOT NULL,
  `tsetupfee` TEXT NOT NULL,
  `monthly` TEXT NOT NULL,
  `quarterly` TEXT NOT NULL,
  `semiannually` TEXT NOT NULL,
  `annually` TEXT NOT NULL,
  `biennially` TEXT NOT NULL,
  `triennially` TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblpricing_pricing_relid_idx` ON `tblpricing` (`relid`);
CREATE INDEX IF NOT EXISTS `tblpricing_pricing_currency_idx` ON `tblpricing` (`currency`);
CREATE INDEX IF NOT EXISTS `tblpricing_pricing_type_idx` ON `tblpricing` (`type`);

CREATE TABLE IF NOT EXISTS `tblhosting` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `userid` INTEGER NOT NULL,
  `orderid` INTEGER NOT NULL,
  `packageid` INTEGER NOT NULL,
  `server` INTEGER NOT NULL,
  `regdate` TEXT NOT NULL,
  `domain` TEXT NOT NULL,
  `paymentmethod` TEXT NOT NULL,
  `qty` INTEGER NOT NULL DEFAULT 1,
  `firstpaymentamount` TEXT NOT NULL DEFAULT '0.00',
  `amount` TEXT NOT NULL DEFAULT '0.00',
  `billingcycle` TEXT NOT NULL,
  `nextduedate` TEXT DEFAULT NULL,
  `nextinvoicedate` TEXT NOT NULL,
  `termination_date` TEXT NOT NULL DEFAULT '0000-00-00',
  `completed_date` TEXT NOT NULL DEFAULT '0000-00-00',
  `domainstatus` TEXT NOT NULL DEFAULT 'Pending',
  `username` TEXT NOT NULL,
  `password` TEXT NOT NULL,
  `notes` TEXT NOT NULL,
  `subscriptionid` TEXT NOT NULL,
  `promoid` INTEGER NOT NULL,
  `promocount` INTEGER DEFAULT 0,
  `suspendreason` TEXT NOT NULL,
  `overideautosuspend` INTEGER NOT NULL,
  `overidesuspenduntil` TEXT NOT NULL,
  `dedicatedip` TEXT NOT NULL,
  `assignedips` TEXT NOT NULL,
  `ns1` TEXT NOT NULL,
  `ns2` TEXT NOT NULL,
  `diskusage` INTEGER NOT NULL DEFAULT 0,
  `disklimit` INTEGER NOT NULL DEFAULT 0,
  `bwusage` INTEGER NOT NULL DEFAULT 0,
  `bwlimit` INTEGER NOT NULL DEFAULT 0,
  `lastupdate` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblhosting_userid` ON `tblhosting` (`userid`);
CREATE INDEX IF NOT EXISTS `tblhosting_orderid` ON `tblhosting` (`orderid`);
CREATE INDEX IF NOT EXISTS `tblhosting_productid` ON `tblhosting` (`packageid`);
CREATE INDEX IF NOT EXISTS `tblhosting_serverid` ON `tblhosting` (`server`);
CREATE INDEX IF NOT EXISTS `tblhosting_domain` ON `tblhosting` (`domain`);
CREATE INDEX IF NOT EXISTS `tblhosting_domainstatus` ON `tblhosting` (`domainstatus`);
CREATE INDEX IF NOT EXISTS `tblhosting_username` ON `tblhosting` (`username`);

CREATE TABLE IF NOT EXISTS `tblhostingaddons` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `orderid` INTEGER NOT NULL,
  `hostingid` INTEGER NOT NULL,
  `addonid` INTEGER NOT NULL,
  `userid` INTEGER NOT NULL DEFAULT 0,
  `server` INTEGER NOT NULL DEFAULT 0,
  `name` TEXT NOT NULL,
  `qty` INTEGER NOT NULL DEFAULT 1,
  `firstpaymentamount` TEXT NOT NULL DEFAULT '0.00',
  `setupfee` TEXT NOT NULL DEFAULT '0.00',
  `recurring` TEXT NOT NULL DEFAULT '0.00',
  `billingcycle` TEXT NOT NULL,
  `tax` TEXT NOT NULL,
  `status` TEXT NOT NULL DEFAULT 'Pending',
  `regdate` TEXT NOT NULL DEFAULT '0000-00-00',
  `nextduedate` TEXT DEFAULT NULL,
  `nextinvoicedate` TEXT NOT NULL,
  `termination_date` TEXT NOT NULL DEFAULT '0000-00-00',
  `proratadate` TEXT NOT NULL DEFAULT '0000-00-00',
  `paymentmethod` TEXT NOT NULL,
  `notes` TEXT NOT NULL,
  `subscriptionid` TEXT NOT NULL DEFAULT '',
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblhostingaddons_orderid` ON `tblhostingaddons` (`orderid`);
CREATE INDEX IF NOT EXISTS `tblhostingaddons_serviceid` ON `tblhostingaddons` (`hostingid`);
CREATE INDEX IF NOT EXISTS `tblhostingaddons_name` ON `tblhostingaddons` (`name`);
CREATE INDEX IF NOT EXISTS `tblhostingaddons_status` ON `tblhostingaddons` (`status`);

CREATE TABLE IF NOT EXISTS `tbladdons` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `packages` TEXT NOT NULL,
  `name` TEXT NOT NULL,
  `description` TEXT NOT NULL,
  `billingcycle` TEXT NOT NULL,
  `allowqty` INTEGER NOT NULL DEFAULT 0,
  `tax` INTEGER NOT NULL,
  `showorder` INTEGER NOT NULL,
  `hidden` INTEGER NOT NULL DEFAULT 0,
  `retired` INTEGER NOT NULL DEFAULT 0,
  `downloads` TEXT NOT NULL,
  `autoactivate` TEXT NOT NULL,
  `suspendproduct` INTEGER NOT NULL,
  `welcomeemail` INTEGER NOT NULL,
  `type` TEXT NOT NULL DEFAULT '',
  `module` TEXT NOT NULL DEFAULT '',
  `server_group_id` INTEGER NOT NULL DEFAULT 0,
  `prorate` INTEGER NOT NULL DEFAULT 0,
  `weight` INTEGER NOT NULL DEFAULT 0,
  `autolinkby` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tbladdons_name` ON `tbladdons` (`name`);

CREATE TABLE IF NOT EXISTS `tbldomains` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `userid` INTEGER NOT NULL,
  `orderid` INTEGER NOT NULL,
  `type` TEXT NOT NULL,
  `registrationdate` TEXT NOT NULL,
  `domain` TEXT NOT NULL,
  `firstpaymentamount` TEXT NOT NULL DEFAULT '0.00',
  `recurringamount` TEXT NOT NULL,
  `registrar` TEXT NOT NULL,
  `registrationperiod` INTEGER NOT NULL DEFAULT 1,
  `expirydate` TEXT DEFAULT NULL,
  `subscriptionid` TEXT NOT NULL,
  `promoid` INTEGER NOT NULL,
  `status` TEXT NOT NULL DEFAULT 'Pending',
  `nextduedate` TEXT NOT NULL DEFAULT '0000-00-00',
  `nextinvoicedate` TEXT NOT NULL,
  `additionalnotes` TEXT NOT NULL,
  `paymentmethod` TEXT NOT NULL,
  `dnsmanagement` INTEGER NOT NULL,
  `emailforwarding` INTEGER NOT NULL,
  `idprotection` INTEGER NOT NULL,
  `is_premium` INTEGER DEFAULT NULL,
  `donotrenew` INTEGER NOT NULL,
  `reminders` TEXT NOT NULL,
  `synced` INTEGER NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tbldomains_userid` ON `tbldomains` (`userid`);
CREATE INDEX IF NOT EXISTS `tbldomains_orderid` ON `tbldomains` (`orderid`);
CREATE INDEX IF NOT EXISTS `tbldomains_domain` ON `tbldomains` (`domain`);
CREATE INDEX IF NOT EXISTS `tbldomains_status` ON `tbldomains` (`status`);

CREATE TABLE IF NOT EXISTS `tblinvoices` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `userid` INTEGER NOT NULL,
  `invoicenum` TEXT NOT NULL,
  `date` TEXT DEFAULT NULL,
  `duedate` TEXT DEFAULT NULL,
  `datepaid` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `last_capture_attempt` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `date_refunded` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `date_cancelled` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `subtotal` TEXT NOT NULL,
  `credit` TEXT NOT NULL,
  `tax` TEXT NOT NULL,
  `tax2` TEXT NOT NULL,
  `total` TEXT NOT NULL DEFAULT '0.00',
  `taxrate` TEXT NOT NULL DEFAULT '0.000',
  `taxrate2` TEXT NOT NULL DEFAULT '0.000',
  `status` TEXT NOT NULL,
  `paymentmethod` TEXT NOT NULL,
  `paymethodid` INTEGER DEFAULT NULL,
  `notes` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblinvoices_userid` ON `tblinvoices` (`userid`);
CREATE INDEX IF NOT EXISTS `tblinvoices_status` ON `tblinvoices` (`status`);

CREATE TABLE IF NOT EXISTS `tblinvoiceitems` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `invoiceid` INTEGER NOT NULL DEFAULT 0,
  `userid` INTEGER NOT NULL,
  `type` TEXT NOT NULL,
  `relid` INTEGER NOT NULL,
  `description` TEXT NOT NULL,
  `amount` TEXT NOT NULL DEFAULT '0.00',
  `taxed` INTEGER NOT NULL,
  `duedate` TEXT DEFAULT NULL,
  `paymentmethod` TEXT NOT NULL,
  `notes` TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblinvoiceitems_invoiceid` ON `tblinvoiceitems` (`invoiceid`);
CREATE INDEX IF NOT EXISTS `tblinvoiceitems_userid` ON `tblinvoiceitems` (`userid`, `type`, `relid`);

CREATE TABLE IF NOT EXISTS `tblaccounts` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `userid` INTEGER NOT NULL,
  `currency` INTEGER NOT NULL,
  `gateway` TEXT NOT NULL,
  `date` TEXT DEFAULT NULL,
  `description` TEXT NOT NULL,
  `amountin` TEXT NOT NULL DEFAULT '0.00',
  `fees` TEXT NOT NULL DEFAULT '0.00',
  `amountout` TEXT NOT NULL DEFAULT '0.00',
  `rate` TEXT NOT NULL DEFAULT '1.00000',
  `transid` TEXT NOT NULL,
  `invoiceid` INTEGER NOT NULL DEFAULT 0,
  `refundid` INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS `tblaccounts_invoiceid` ON `tblaccounts` (`invoiceid`);
CREATE INDEX IF NOT EXISTS `tblaccounts_userid` ON `tblaccounts` (`userid`);
CREATE INDEX IF NOT EXISTS `tblaccounts_date` ON `tblaccounts` (`date`);
CREATE INDEX IF NOT EXISTS `tblaccounts_transid` ON `tblaccounts` (`transid`);

CREATE TABLE IF NOT EXISTS `tblcancelrequests` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `date` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `relid` INTEGER NOT NULL,
  `reason` TEXT NOT NULL,
  `type` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblcancelrequests_serviceid` ON `tblcancelrequests` (`relid`);

CREATE TABLE IF NOT EXISTS `tbladdonmodules` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `module` TEXT NOT NULL,
  `setting` TEXT NOT NULL,
  `value` TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS `tblconfiguration` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `setting` TEXT NOT NULL,
  `value` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE UNIQUE INDEX IF NOT EXISTS `tblconfiguration_whmcs_setting_unique` ON `tblconfiguration` (`setting`);
CREATE INDEX IF NOT EXISTS `tblconfiguration_setting` ON `tblconfiguration` (`setting`);

CREATE TABLE IF NOT EXISTS `tblorders` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `ordernum` INTEGER NOT NULL,
  `userid` INTEGER NOT NULL,
  `contactid` INTEGER NOT NULL,
  `requestor_id` INTEGER NOT NULL DEFAULT 0,
  `admin_requestor_id` INTEGER NOT NULL DEFAULT 0,
  `date` TEXT NOT NULL,
  `nameservers` TEXT NOT NULL,
  `transfersecret` TEXT NOT NULL,
  `renewals` TEXT NOT NULL,
  `promocode` TEXT NOT NULL,
  `promotype` TEXT NOT NULL,
  `promovalue` TEXT NOT NULL,
  `orderdata` TEXT NOT NULL,
  `amount` TEXT NOT NULL,
  `paymentmethod` TEXT NOT NULL,
  `invoiceid` INTEGER NOT NULL DEFAULT 0,
  `status` TEXT NOT NULL,
  `ipaddress` TEXT NOT NULL,
  `fraudmodule` TEXT NOT NULL,
  `fraudoutput` TEXT NOT NULL,
  `notes` TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblorders_ordernum` ON `tblorders` (`ordernum`);
CREATE INDEX IF NOT EXISTS `tblorders_userid` ON `tblorders` (`userid`);
CREATE INDEX IF NOT EXISTS `tblorders_contactid` ON `tblorders` (`contactid`);
CREATE INDEX IF NOT EXISTS `tblorders_date` ON `tblorders` (`date`);
CREATE INDEX IF NOT EXISTS `tblorders_requestor_id` ON `tblorders` (`requestor_id`);

CREATE TABLE IF NOT EXISTS `tblpromotions` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `code` TEXT NOT NULL,
  `type` TEXT NOT NULL,
  `recurring` INTEGER DEFAULT NULL,
  `value` TEXT NOT NULL DEFAULT '0.00',
  `cycles` TEXT NOT NULL,
  `appliesto` TEXT NOT NULL,
  `requires` TEXT NOT NULL,
  `requiresexisting` INTEGER NOT NULL,
  `startdate` TEXT NOT NULL,
  `expirationdate` TEXT DEFAULT NULL,
  `maxuses` INTEGER NOT NULL DEFAULT 0,
  `uses` INTEGER NOT NULL DEFAULT 0,
  `lifetimepromo` INTEGER NOT NULL,
  `applyonce` INTEGER NOT NULL,
  `newsignups` INTEGER NOT NULL,
  `existingclient` INTEGER NOT NULL,
  `onceperclient` INTEGER NOT NULL,
  `recurfor` INTEGER NOT NULL,
  `upgrades` INTEGER NOT NULL,
  `upgradeconfig` TEXT NOT NULL,
  `notes` TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblpromotions_code` ON `tblpromotions` (`code`);

CREATE TABLE IF NOT EXISTS `tblcredit` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `clientid` INTEGER NOT NULL,
  `admin_id` INTEGER NOT NULL DEFAULT 0,
  `date` TEXT NOT NULL,
  `description` TEXT NOT NULL,
  `amount` TEXT NOT NULL,
  `relid` INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS `tblupgrades` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `userid` INTEGER NOT NULL,
  `orderid` INTEGER NOT NULL,
  `type` TEXT NOT NULL,
  `date` TEXT NOT NULL,
  `relid` INTEGER NOT NULL,
  `originalvalue` TEXT NOT NULL,
  `newvalue` TEXT NOT NULL,
  `new_cycle` TEXT NOT NULL,
  `amount` TEXT NOT NULL,
  `credit_amount` TEXT NOT NULL,
  `days_remaining` INTEGER NOT NULL,
  `total_days_in_cycle` INTEGER NOT NULL,
  `new_recurring_amount` TEXT NOT NULL,
  `recurringchange` TEXT NOT NULL,
  `status` TEXT NOT NULL DEFAULT 'Pending',
  `paid` TEXT NOT NULL DEFAULT 'N'
);
CREATE INDEX IF NOT EXISTS `tblupgrades_orderid` ON `tblupgrades` (`orderid`);
CREATE INDEX IF NOT EXISTS `tblupgrades_serviceid` ON `tblupgrades` (`relid`);

CREATE TABLE IF NOT EXISTS `tblbillableitems` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `userid` INTEGER NOT NULL,
  `description` TEXT NOT NULL,
  `hours` TEXT NOT NULL,
  `amount` TEXT NOT NULL,
  `recur` INTEGER NOT NULL DEFAULT 0,
  `recurcycle` TEXT NOT NULL,
  `recurfor` INTEGER NOT NULL DEFAULT 0,
  `invoiceaction` INTEGER NOT NULL,
  `unit` INTEGER NOT NULL DEFAULT 0,
  `duedate` TEXT NOT NULL,
  `invoicecount` INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS `tbltax` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `level` INTEGER NOT NULL,
  `name` TEXT NOT NULL,
  `state` TEXT NOT NULL,
  `country` TEXT NOT NULL,
  `taxrate` TEXT NOT NULL DEFAULT '0.000'
);
CREATE INDEX IF NOT EXISTS `tbltax_state_country` ON `tbltax` (`state`, `country`);

CREATE TABLE IF NOT EXISTS `tbldomainpricing` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `extension` TEXT NOT NULL,
  `dnsmanagement` INTEGER NOT NULL,
  `emailforwarding` INTEGER NOT NULL,
  `idprotection` INTEGER NOT NULL,
  `eppcode` INTEGER NOT NULL,
  `autoreg` TEXT NOT NULL,
  `order` INTEGER NOT NULL DEFAULT 0,
  `group` TEXT NOT NULL DEFAULT 'none',
  `grace_period` INTEGER NOT NULL DEFAULT -1,
  `grace_period_fee` TEXT NOT NULL DEFAULT '0.00',
  `redemption_grace_period` INTEGER NOT NULL DEFAULT -1,
  `redemption_grace_period_fee` TEXT NOT NULL DEFAULT '-1.00',
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tbldomainpricing_extension_registrationperiod` ON `tbldomainpricing` (`extension`);
CREATE INDEX IF NOT EXISTS `tbldomainpricing_order` ON `tbldomainpricing` (`order`);

CREATE TABLE IF NOT EXISTS `tblhostingconfigoptions` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `relid` INTEGER NOT NULL,
  `configid` INTEGER NOT NULL,
  `optionid` INTEGER NOT NULL,
  `qty` INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblhostingconfigoptions_relid_configid` ON `tblhostingconfigoptions` (`relid`, `configid`);

CREATE TABLE IF NOT EXISTS `tblproductconfigoptions` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `gid` INTEGER NOT NULL DEFAULT 0,
  `optionname` TEXT NOT NULL,
  `optiontype` TEXT NOT NULL,
  `qtyminimum` INTEGER NOT NULL,
  `qtymaximum` INTEGER NOT NULL,
  `order` INTEGER NOT NULL DEFAULT 0,
  `hidden` INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblproductconfigoptions_productid` ON `tblproductconfigoptions` (`gid`);

CREATE TABLE IF NOT EXISTS `tblproductconfigoptionssub` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `configid` INTEGER NOT NULL,
  `optionname` TEXT NOT NULL,
  `sortorder` INTEGER NOT NULL DEFAULT 0,
  `hidden` INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblproductconfigoptionssub_configid` ON `tblproductconfigoptionssub` (`configid`);

CREATE TABLE IF NOT EXISTS `tblcustomfields` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `type` TEXT NOT NULL,
  `relid` INTEGER NOT NULL DEFAULT 0,
  `fieldname` TEXT NOT NULL,
  `fieldtype` TEXT NOT NULL,
  `description` TEXT NOT NULL,
  `fieldoptions` TEXT NOT NULL,
  `regexpr` TEXT NOT NULL,
  `adminonly` TEXT NOT NULL,
  `required` TEXT NOT NULL,
  `showorder` TEXT NOT NULL,
  `showinvoice` TEXT NOT NULL,
  `sortorder` INTEGER NOT NULL DEFAULT 0,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblcustomfields_serviceid` ON `tblcustomfields` (`relid`);

CREATE TABLE IF NOT EXISTS `tblcustomfieldsvalues` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `fieldid` INTEGER NOT NULL,
  `relid` INTEGER NOT NULL,
  `value` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tblcustomfieldsvalues_fieldid_relid` ON `tblcustomfieldsvalues` (`fieldid`, `relid`);

CREATE TABLE IF NOT EXISTS `tblusers` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `first_name` TEXT NOT NULL DEFAULT '',
  `last_name` TEXT NOT NULL DEFAULT '',
  `email` TEXT NOT NULL DEFAULT '',
  `password` TEXT NOT NULL DEFAULT '',
  `language` TEXT NOT NULL DEFAULT '',
  `second_factor` TEXT NOT NULL DEFAULT '',
  `second_factor_config` TEXT DEFAULT NULL,
  `remember_token` TEXT NOT NULL DEFAULT '',
  `reset_token` TEXT NOT NULL DEFAULT '',
  `security_question_id` INTEGER NOT NULL DEFAULT 0,
  `security_question_answer` TEXT NOT NULL DEFAULT '',
  `last_ip` TEXT NOT NULL DEFAULT '',
  `last_hostname` TEXT NOT NULL DEFAULT '',
  `last_login` TEXT DEFAULT NULL,
  `email_verification_token` TEXT NOT NULL DEFAULT '',
  `email_verification_token_expiry` TEXT DEFAULT NULL,
  `email_verified_at` TEXT DEFAULT NULL,
  `reset_token_expiry` TEXT DEFAULT NULL,
  `created_at` TEXT DEFAULT NULL,
  `updated_at` TEXT DEFAULT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS `tblusers_tblusers_email_unique` ON `tblusers` (`email`);

CREATE TABLE IF NOT EXISTS `tblusers_clients` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `auth_user_id` INTEGER NOT NULL DEFAULT 0,
  `client_id` INTEGER NOT NULL DEFAULT 0,
  `invite_id` INTEGER NOT NULL DEFAULT 0,
  `owner` INTEGER NOT NULL DEFAULT 0,
  `permissions` TEXT DEFAULT NULL,
  `last_login` TEXT DEFAULT NULL,
  `created_at` TEXT DEFAULT NULL,
  `updated_at` TEXT DEFAULT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS `tblusers_clients_user_id_client_id` ON `tblusers_clients` (`auth_user_id`, `client_id`);
CREATE INDEX IF NOT EXISTS `tblusers_clients_client_id_owner_idx` ON `tblusers_clients` (`client_id`, `owner`);

CREATE TABLE IF NOT EXISTS `tbladmins` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `uuid` TEXT NOT NULL DEFAULT '',
  `roleid` INTEGER NOT NULL,
  `username` TEXT NOT NULL,
  `password` TEXT NOT NULL DEFAULT '',
  `passwordhash` TEXT NOT NULL DEFAULT '',
  `authmodule` TEXT NOT NULL,
  `authdata` TEXT NOT NULL,
  `firstname` TEXT NOT NULL,
  `lastname` TEXT NOT NULL,
  `email` TEXT NOT NULL,
  `signature` TEXT NOT NULL,
  `notes` TEXT NOT NULL,
  `template` TEXT NOT NULL,
  `language` TEXT NOT NULL,
  `disabled` INTEGER NOT NULL,
  `loginattempts` INTEGER NOT NULL,
  `supportdepts` TEXT NOT NULL,
  `ticketnotifications` TEXT NOT NULL,
  `homewidgets` TEXT NOT NULL,
  `password_reset_key` TEXT NOT NULL DEFAULT '',
  `password_reset_data` TEXT NOT NULL,
  `password_reset_expiry` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `hidden_widgets` TEXT NOT NULL,
  `widget_order` TEXT NOT NULL,
  `user_preferences` TEXT DEFAULT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tbladmins_username` ON `tbladmins` (`username`);

CREATE TABLE IF NOT EXISTS `tbladminroles` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `name` TEXT NOT NULL,
  `widgets` TEXT NOT NULL,
  `reports` TEXT NOT NULL,
  `systememails` INTEGER NOT NULL,
  `accountemails` INTEGER NOT NULL,
  `supportemails` INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS `tbladminperms` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `roleid` INTEGER NOT NULL,
  `permid` INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS `tbladminperms_roleid_permid` ON `tbladminperms` (`roleid`, `permid`);

CREATE TABLE IF NOT EXISTS `tblapi_roles` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `role` TEXT NOT NULL DEFAULT '',
  `description` TEXT NOT NULL DEFAULT '',
  `permissions` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);

CREATE TABLE IF NOT EXISTS `tbltask` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `priority` INTEGER NOT NULL DEFAULT 0,
  `class_name` TEXT NOT NULL DEFAULT '',
  `is_enabled` INTEGER NOT NULL DEFAULT 1,
  `is_periodic` INTEGER NOT NULL DEFAULT 1,
  `frequency` INTEGER NOT NULL DEFAULT 0,
  `name` TEXT NOT NULL DEFAULT '',
  `description` TEXT NOT NULL,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);

CREATE TABLE IF NOT EXISTS `tbltask_status` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `task_id` INTEGER NOT NULL,
  `in_progress` INTEGER NOT NULL DEFAULT 0,
  `last_run` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `next_due` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);

CREATE TABLE IF NOT EXISTS `tbltransaction_history` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `invoice_id` INTEGER NOT NULL,
  `gateway` TEXT NOT NULL DEFAULT '',
  `transaction_id` TEXT NOT NULL DEFAULT '',
  `remote_status` TEXT NOT NULL DEFAULT '',
  `completed` INTEGER NOT NULL DEFAULT 0,
  `description` TEXT NOT NULL DEFAULT '',
  `additional_information` TEXT NOT NULL,
  `amount` TEXT NOT NULL DEFAULT '0.00',
  `currency_id` INTEGER NOT NULL DEFAULT 0,
  `created_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00'
);
CREATE INDEX IF NOT EXISTS `tbltransaction_history_transaction_id` ON `tbltransaction_history` (`transaction_id`);

CREATE TABLE IF NOT EXISTS `tblmodulelog` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `date` TEXT NOT NULL,
  `module` TEXT NOT NULL,
  `action` TEXT NOT NULL,
  `request` TEXT NOT NULL,
  `response` TEXT NOT NULL,
  `arrdata` TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS `tblactivitylog` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `date` TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
  `description` TEXT NOT NULL,
  `user` TEXT NOT NULL,
  `userid` INTEGER NOT NULL DEFAULT 0,
  `user_id` INTEGER NOT NULL DEFAULT 0,
  `admin_id` INTEGER NOT NULL DEFAULT 0,
  `ipaddr` TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblactivitylog_userid` ON `tblactivitylog` (`userid`);
CREATE INDEX IF NOT EXISTS `tblactivitylog_user_id` ON `tblactivitylog` (`user_id`);
CREATE INDEX IF NOT EXISTS `tblactivitylog_admin_id` ON `tblactivitylog` (`admin_id`);

CREATE TABLE IF NOT EXISTS `tblpaymentgateways` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `gateway` TEXT NOT NULL,
  `setting` TEXT NOT NULL,
  `value` TEXT NOT NULL,
  `order` INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS `tblpaymentgateways_gateway_setting` ON `tblpaymentgateways` (`gateway`, `setting`);
CREATE INDEX IF NOT EXISTS `tblpaymentgateways_setting_value` ON `tblpaymentgateways` (`setting`, `value`);
