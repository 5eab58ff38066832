-- Run once by the postgres image, on the first start with an empty data volume.
-- Each subgraph owns one database; the subgraphs create their tables themselves (migrations at start-up).
CREATE DATABASE manufacturer;
CREATE DATABASE distributor;
CREATE DATABASE dispenser;
CREATE DATABASE "logistics";
