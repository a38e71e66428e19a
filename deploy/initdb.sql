CREATE DATABASE yiban_platform OWNER yiban;
