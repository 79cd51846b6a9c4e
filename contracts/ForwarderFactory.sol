// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Forwarder} from "./Forwarder.sol";

/// @title ForwarderFactory
/// @notice Deploys forwarders on demand and empties them into their payout, many per transaction.
/// Deployed through the deterministic CREATE2 deployer (0x4e59b44847b379578588920ca78fbf26c0b4956c)
/// with salt 0, so it has the same address on every EVM chain, and so has every forwarder:
/// address = CREATE2(this, salt, clone init code of (implementation, payout)).
/// Anyone may call `sweep`: funds can only ever reach the payout the address commits to.
contract ForwarderFactory {
    /// @notice The code every forwarder delegates to (created with this factory's first nonce).
    address public immutable implementation;

    event ForwarderDeployed(address indexed forwarder, address indexed payout, bytes32 salt);

    error ZeroPayout();

    constructor() {
        implementation = address(new Forwarder());
    }

    /// @notice The deposit address for (payout, salt), deployed or not.
    function forwarderAddress(address payout, bytes32 salt) public view returns (address) {
        return Clones.predictDeterministicAddressWithImmutableArgs(implementation, abi.encodePacked(payout), salt);
    }

    /// @notice Deploys the forwarders of `salts` that do not exist yet, then flushes each one's
    /// balance of every token in `tokens` (and ETH) to `payout`. Repeatable: a payment that
    /// arrives after a sweep is swept by the next one.
    function sweep(address payout, bytes32[] calldata salts, address[] calldata tokens) external {
        if (payout == address(0)) revert ZeroPayout();
        bytes memory args = abi.encodePacked(payout);
        for (uint256 i = 0; i < salts.length; i++) {
            address forwarder = Clones.predictDeterministicAddressWithImmutableArgs(implementation, args, salts[i]);
            if (forwarder.code.length == 0) {
                Clones.cloneDeterministicWithImmutableArgs(implementation, args, salts[i]);
                emit ForwarderDeployed(forwarder, payout, salts[i]);
            }
            Forwarder(payable(forwarder)).flush(tokens);
        }
    }
}
